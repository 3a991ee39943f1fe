// Progressive enhancement only: every action works as a plain form post without this file.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // For a form built here: any form's token on the page, else the CSRF cookie.
  function pageCsrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function labelsOf(button, fallback) {
    return (button.getAttribute("data-labels") || fallback).split("|");
  }

  // Vote, save and hide forms: post with fetch, update the control in place.
  var TOGGLES = {
    vote: { key: "voted", on: "remove", off: "up" },
    save: { key: "saved", on: "unsave", off: "save", labels: ["save", "saved"] },
    hide: { key: "hidden", on: "unhide", off: "hide", labels: ["hide", "unhide"] },
    // Follow buttons carry their own labels ("Follow #rust|Unfollow #rust").
    follow: { key: "following", on: "unfollow", off: "follow" }
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.getAttribute("data-action");
    if (!TOGGLES[kind] || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    // getAttribute: the form's <input name="action"> shadows the form.action property.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) throw new Error(result.data.error || "Something went wrong.");
      var toggle = TOGGLES[kind];
      var on = Boolean(result.data[toggle.key]);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      form.querySelector("input[name=action]").value = on ? toggle.on : toggle.off;
      var points = button.querySelector(".post-row__points");
      if (kind === "vote" && points) {
        points.textContent = result.data.score;
        button.title = on ? "Remove your vote" : "Upvote";
      } else if (kind === "vote") {
        // A comment's vote: the button relabels itself, the score is in the comment's meta line.
        button.textContent = labelsOf(button, "upvote|unvote")[on ? 1 : 0];
        var comment = form.closest(".comment");
        var score = comment && comment.querySelector(".comment__meta .comment__score");
        if (score) {
          var n = result.data.score;
          score.textContent = n + " point" + (n === 1 ? "" : "s");
        }
      } else if (kind === "follow") {
        button.textContent = labelsOf(button, "Follow|Unfollow")[on ? 1 : 0];
        button.classList.toggle("button--secondary", on && button.classList.contains("button"));
        var box = form.closest(".follow");
        var count = box && box.querySelector("[data-follower-count]");
        if (count && typeof result.data.follower_count === "number") {
          var n = result.data.follower_count;
          count.textContent = n + " follower" + (n === 1 ? "" : "s");
        }
      } else {
        button.textContent = toggle.labels[on ? 1 : 0];
      }
      var row = form.closest(".post-row");
      if (kind === "hide" && on && row && !document.querySelector("[data-list]")) {
        row.remove();
      }
    }).catch(function (error) {
      window.alert(error.message);
    }).finally(function () {
      button.disabled = false;
    });
  });

  // A comment's "reply" link opens a small form under the comment instead of the reply page;
  // the form posts to the same URL as the page's form, so the server sees no difference.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reply]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var comment = link.closest(".comment");
    var actions = link.closest(".comment__actions");
    if (!comment || !actions) return;
    event.preventDefault();
    var open = actions.nextElementSibling;
    if (open && open.classList.contains("comment__reply-form")) {
      open.querySelector("textarea").focus();
      return;
    }
    actions.insertAdjacentElement("afterend", replyForm(link.getAttribute("href"), comment.id));
    actions.nextElementSibling.querySelector("textarea").focus();
  });

  function replyForm(action, anchor) {
    var form = document.createElement("form");
    form.method = "post";
    form.setAttribute("action", action);
    form.className = "stacked comment-form comment__reply-form";
    form.noValidate = true;
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = pageCsrfToken();
    var label = document.createElement("label");
    label.htmlFor = "reply-" + anchor;
    label.textContent = "Your reply";
    var body = document.createElement("textarea");
    body.id = "reply-" + anchor;
    body.name = "body";
    body.rows = 4;
    var buttons = document.createElement("p");
    buttons.className = "form-actions";
    var submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "button button--small";
    submit.textContent = "Reply";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link-button";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () { form.remove(); });
    buttons.appendChild(submit);
    buttons.appendChild(cancel);
    form.appendChild(token);
    form.appendChild(label);
    form.appendChild(body);
    form.appendChild(buttons);
    return form;
  }

  // Submit form: "Add a row" buttons clone the formset's empty row instead of submitting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var fieldset = button.closest("[data-formset]");
    var prefix = fieldset.getAttribute("data-formset");
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = parseInt(fieldset.getAttribute("data-max"), 10);
    var count = parseInt(total.value, 10);
    event.preventDefault();
    if (count >= max) return;
    var template = fieldset.querySelector("template[data-empty-row]");
    var html = template.innerHTML.replace(/__prefix__/g, String(count));
    fieldset.querySelector("[data-rows]").insertAdjacentHTML("beforeend", html);
    total.value = String(count + 1);
    var rows = fieldset.querySelectorAll("[data-rows] .formset__row");
    var first = rows[rows.length - 1].querySelector("input");
    if (first) first.focus();
    if (count + 1 >= max) button.disabled = true;
  });

  // Submit form: say while typing when the link was already posted.
  var status = document.getElementById("url-check");
  var urlInput = document.getElementById("id_url");
  if (status && urlInput && window.fetch) {
    var timer = null;
    var checkUrl = status.getAttribute("data-check-url");
    var exclude = status.getAttribute("data-exclude");
    urlInput.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var value = urlInput.value.trim();
        if (!value) { status.textContent = ""; return; }
        var query = "?url=" + encodeURIComponent(value) + (exclude ? "&exclude=" + encodeURIComponent(exclude) : "");
        fetch(checkUrl + query, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            if (urlInput.value.trim() !== value) return;  // the user kept typing
            status.textContent = data.message || "";
            status.classList.toggle("url-check--warning", !data.ok);
            if (data.duplicate) {
              var link = document.createElement("a");
              link.href = data.duplicate.url;
              link.textContent = data.duplicate.title;
              status.appendChild(document.createTextNode(" "));
              status.appendChild(link);
            }
          })
          .catch(function () { status.textContent = ""; });
      }, 400);
    });
  }
})();

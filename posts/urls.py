from django.urls import path
from django.views.generic import RedirectView

from core.feeds import atom, json_feed
from posts import feeds
from posts.views.actions import hidden_list, post_hide, post_save, post_vote, saved_list
from posts.views.browsing import (
    active,
    channel_detail,
    channel_list,
    domain_detail,
    home,
    newest,
    post_detail,
    profile,
    tag_detail,
    tag_list,
    top,
)
from posts.views.cards import default_card_image, post_card_image
from posts.views.discovery import (
    channel_follow,
    feed_token,
    following,
    my_feed,
    search_page,
    tag_follow,
    tag_hide,
    user_follow,
)
from posts.views.entities import entity_detail, entity_follow
from posts.views.posting import post_delete, post_edit, post_remove, post_submit, submit_check

app_name = "posts"

urlpatterns = [
    path("", home, name="home"),
    path("newest/", newest, name="newest"),
    path("active/", active, name="active"),
    path("top/", top, name="top"),
    path("top/<str:period>/", top, name="top_period"),
    path("t/", tag_list, name="tag_list"),
    path("t/<str:slug>/", tag_detail, name="tag"),
    path("t/<str:key>/-/follow/", tag_follow, name="tag_follow"),
    path("t/<str:key>/-/hide/", tag_hide, name="tag_hide"),
    path("channels/", channel_list, name="channel_list"),
    path("@<str:handle>/", channel_detail, name="channel"),
    path("@<str:key>/-/follow/", channel_follow, name="channel_follow"),
    path("d/<str:domain>/", domain_detail, name="domain"),
    path("e/<str:slug>/", entity_detail, name="entity"),
    path("e/<str:key>/-/follow/", entity_follow, name="entity_follow"),
    path("u/<str:username>/", profile, name="profile"),
    path("u/<str:key>/-/follow/", user_follow, name="user_follow"),
    path("search", search_page, name="search"),
    path("search/", RedirectView.as_view(pattern_name="posts:search", query_string=True)),
    path("my/", my_feed, name="my_feed"),
    path("following/", following, name="following"),
    path("following/feed/", feed_token, name="feed_token"),
    path("submit/", post_submit, name="submit"),
    path("submit/check/", submit_check, name="submit_check"),
    path("saved/", saved_list, name="saved"),
    path("hidden/", hidden_list, name="hidden"),
    path("card.png", default_card_image, name="default_card"),
    path("p/<str:short_id>/card.png", post_card_image, name="card"),
    path("p/<str:short_id>/", post_detail, name="detail_short"),
    path("p/<str:short_id>/<str:slug>/", post_detail, name="detail"),
    # Actions sit under "/-/" (as GitLab does it) so no post slug can ever shadow one.
    path("p/<str:short_id>/-/vote/", post_vote, name="vote"),
    path("p/<str:short_id>/-/save/", post_save, name="save"),
    path("p/<str:short_id>/-/hide/", post_hide, name="hide"),
    path("p/<str:short_id>/-/edit/", post_edit, name="edit"),
    path("p/<str:short_id>/-/delete/", post_delete, name="delete"),
    path("p/<str:short_id>/-/remove/", post_remove, name="remove"),
    path("feeds/home.rss", feeds.HomeFeed(), name="feed_home_rss"),
    path("feeds/home.atom", atom(feeds.HomeFeed)(), name="feed_home_atom"),
    path("feeds/home.json", json_feed(feeds.HomeFeed)(), name="feed_home_json"),
    path("feeds/newest.rss", feeds.NewestFeed(), name="feed_newest_rss"),
    path("feeds/newest.atom", atom(feeds.NewestFeed)(), name="feed_newest_atom"),
    path("feeds/newest.json", json_feed(feeds.NewestFeed)(), name="feed_newest_json"),
    path("feeds/t/<str:slug>.rss", feeds.TagFeed(), name="feed_tag_rss"),
    path("feeds/t/<str:slug>.atom", atom(feeds.TagFeed)(), name="feed_tag_atom"),
    path("feeds/t/<str:slug>.json", json_feed(feeds.TagFeed)(), name="feed_tag_json"),
    path("feeds/c/<str:handle>.rss", feeds.ChannelFeed(), name="feed_channel_rss"),
    path("feeds/c/<str:handle>.atom", atom(feeds.ChannelFeed)(), name="feed_channel_atom"),
    path("feeds/c/<str:handle>.json", json_feed(feeds.ChannelFeed)(), name="feed_channel_json"),
    path("feeds/u/<str:username>.rss", feeds.UserFeed(), name="feed_user_rss"),
    path("feeds/u/<str:username>.atom", atom(feeds.UserFeed)(), name="feed_user_atom"),
    path("feeds/u/<str:username>.json", json_feed(feeds.UserFeed)(), name="feed_user_json"),
    path("feeds/d/<str:domain>.rss", feeds.DomainFeed(), name="feed_domain_rss"),
    path("feeds/d/<str:domain>.atom", atom(feeds.DomainFeed)(), name="feed_domain_atom"),
    path("feeds/d/<str:domain>.json", json_feed(feeds.DomainFeed)(), name="feed_domain_json"),
    path("feeds/e/<str:slug>.rss", feeds.EntityFeed(), name="feed_entity_rss"),
    path("feeds/e/<str:slug>.atom", atom(feeds.EntityFeed)(), name="feed_entity_atom"),
    path("feeds/e/<str:slug>.json", json_feed(feeds.EntityFeed)(), name="feed_entity_json"),
    path("feeds/search.rss", feeds.SearchFeed(), name="feed_search_rss"),
    path("feeds/search.atom", atom(feeds.SearchFeed)(), name="feed_search_atom"),
    path("feeds/search.json", json_feed(feeds.SearchFeed)(), name="feed_search_json"),
    # The token is the credential: these are never cached (faun/middleware.py, NEVER).
    path("feeds/my/<str:token>.rss", feeds.MyFeed(), name="feed_my_rss"),
    path("feeds/my/<str:token>.atom", atom(feeds.MyFeed)(), name="feed_my_atom"),
    path("feeds/my/<str:token>.json", json_feed(feeds.MyFeed)(), name="feed_my_json"),
]

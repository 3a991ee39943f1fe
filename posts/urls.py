from django.urls import path

from posts import feeds, views

app_name = "posts"

urlpatterns = [
    path("", views.home, name="home"),
    path("newest/", views.newest, name="newest"),
    path("top/", views.top, name="top"),
    path("top/<str:period>/", views.top, name="top_period"),
    path("t/", views.tag_list, name="tag_list"),
    path("t/<str:slug>/", views.tag_detail, name="tag"),
    path("channels/", views.channel_list, name="channel_list"),
    path("@<str:handle>/", views.channel_detail, name="channel"),
    path("p/<str:short_id>/", views.post_detail, name="detail_short"),
    path("p/<str:short_id>/<str:slug>/", views.post_detail, name="detail"),
    path("feeds/home.rss", feeds.HomeFeed(), name="feed_home_rss"),
    path("feeds/home.atom", feeds.atom(feeds.HomeFeed)(), name="feed_home_atom"),
    path("feeds/newest.rss", feeds.NewestFeed(), name="feed_newest_rss"),
    path("feeds/newest.atom", feeds.atom(feeds.NewestFeed)(), name="feed_newest_atom"),
    path("feeds/t/<str:slug>.rss", feeds.TagFeed(), name="feed_tag_rss"),
    path("feeds/t/<str:slug>.atom", feeds.atom(feeds.TagFeed)(), name="feed_tag_atom"),
    path("feeds/c/<str:handle>.rss", feeds.ChannelFeed(), name="feed_channel_rss"),
    path("feeds/c/<str:handle>.atom", feeds.atom(feeds.ChannelFeed)(), name="feed_channel_atom"),
    path("feeds/u/<str:username>.rss", feeds.UserFeed(), name="feed_user_rss"),
    path("feeds/u/<str:username>.atom", feeds.atom(feeds.UserFeed)(), name="feed_user_atom"),
]

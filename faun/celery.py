"""The Celery application: broker and result settings come from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faun.settings")

app = Celery("faun")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""The Celery application: broker and result settings come from Django settings (CELERY_*)."""

import os
from typing import Any

from celery import Celery, Task

from core.replicas import primary_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faun.settings")


class FaunTask(Task):
    """Every task reads the primary, also when it runs eagerly inside a web request that reads
    a replica (docs/operations.md#read-replicas): a task acts on rows just written."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with primary_reads():
            return super().__call__(*args, **kwargs)


app = Celery("faun", task_cls=FaunTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""Pages of lists on the site: ``?page=N`` without counting the whole list."""

from __future__ import annotations

from hub.api.pagination import is_whole_number

MAX_PAGE = 10_000


def page_of(request, queryset, size: int) -> tuple[list, int, bool]:
    """One page of ``queryset`` for the pages, by ``?page=`` (anything but a page number from
    1 to 10,000 reads as the first page), without counting the whole queryset. Returns the
    items, the page number and whether a next page exists."""
    raw = request.GET.get("page", "1")
    number = int(raw) if is_whole_number(raw) and 1 <= int(raw) <= MAX_PAGE else 1
    items = list(queryset[(number - 1) * size : number * size + 1])
    return items[:size], number, len(items) > size

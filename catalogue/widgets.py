"""Admin widgets of the catalogue (imported by the admin when it builds a form, not by models)."""

import json

from wagtail.admin.rich_text import DraftailRichTextArea

from .richtext import is_empty


class DescriptionEditor(DraftailRichTextArea):
    """Wagtail's Draftail editor, except that an empty editor stores "", not the
    ``<p data-block-key="…"></p>`` of its one empty block: without this, opening a page
    without a description and saving it unchanged would change it."""

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        try:
            if raw and is_empty(json.loads(raw) or {}):
                return ""
        except (TypeError, ValueError, AttributeError):
            pass  # not contentstate: Wagtail's own handling
        return super().value_from_datadict(data, files, name)

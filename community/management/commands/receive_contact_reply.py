"""Post an e-mail answer received at the contact relay (the mail server pipes it here).

    manage.py receive_contact_reply < message.eml

Exit status 0 when the answer was posted, 67 (EX_NOUSER) when it is refused: no valid relay
token, unknown conversation, a sender address that is not the member's, or an empty answer.
"""

import sys

from django.core.management.base import BaseCommand

from community import contact


class Command(BaseCommand):
    help = "Post an e-mail answer (read on standard input) received at the contact relay."

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read(1_000_000)
        try:
            message = contact.receive_email(raw)
        except ValueError as err:
            self.stderr.write(f"refused: {err}")
            sys.exit(67)
        self.stdout.write(f"posted message {message.pk} in conversation {message.conversation_id}")

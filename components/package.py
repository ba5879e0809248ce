"""The component package: its name, version and the components it hosts (``provider/``)."""

from components.brand import Brand
from components.sending_lane import SendingLane
from components.smtp_credential import SmtpCredential

PACKAGE = "sendlanes"
VERSION = "0.1.0"
COMPONENTS = [Brand, SendingLane, SmtpCredential]

"""Refusals from actions, in the UI language.

Actions raise plain English messages (they serve the API and the CLI too, and know nothing
of languages). Pages show them next to a field or on the error page; this table turns the
known ones into catalog messages, keeping the names they quote. Anything unknown is shown
as it is, so tests/web/test_refusal_catalog.py walks the code pages can reach and fails
when a refusal raised there has no entry here."""

from __future__ import annotations

import re

from kefu.web.i18n import N_, accepted_locale, activate, deactivate, gettext

# (pattern of the action's message, msgid using the pattern's named groups)
KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (
            r"^there is already a team called (?P<name>.+)$",
            N_("There is already a team called %(name)s."),
        ),
        (
            r"^(?P<email>\S+) is already an agent of this shop$",
            N_("%(email)s is already an agent of this shop."),
        ),
        (r"^current password is wrong$", N_("The current password is wrong.")),
        (
            r"^password must have at least (?P<n>\d+) characters$",
            N_("The password needs at least %(n)s characters."),
        ),
        (
            r"^password must mix letters with digits or symbols$",
            N_("Mix letters with digits or symbols in the password."),
        ),
        (r"^e-mail address looks wrong$", N_("This e-mail address looks wrong.")),
        (r"^e-mail or password is wrong$", N_("The e-mail or password is wrong.")),
        (
            r"^too many failed logins; the account is locked",
            N_(
                "Too many failed sign-ins: this account is locked for a while. "
                "Try again later or ask the shop owner to reset your password."
            ),
        ),
        (
            r"^this account belongs to no active shop$",
            N_("This account does not belong to any active shop."),
        ),
        (r"^choose a shop first$", N_("Choose a shop first.")),
        (
            r"^only a logged-in agent has a presence$",
            N_("Only a signed-in agent has an online status."),
        ),
        (
            r"^max concurrent chats must be a whole number from 0 to (?P<n>\d+)$",
            N_("Enter a whole number from 0 to %(n)s."),
        ),
        (r"^\w+ must be one of: ", N_("Choose one of the options offered.")),
        (r"^\w+ cannot be changed here$", N_("This cannot be changed here.")),
        (r"^ids must be whole numbers$", N_("Choose from the list offered.")),
        (
            r"^a shop has at most (?P<n>\d+) announcement lines$",
            N_("Enter at most %(n)s announcement lines."),
        ),
        (r"^announcements must be a list of lines$", N_("Enter the announcements line by line.")),
        (
            r"^an invitation needs at least one condition$",
            N_("Give each invitation at least one condition."),
        ),
        (r"^the same invitation appears twice$", N_("The same invitation appears twice.")),
        (
            r"^.+ (is not a number|has fractions of a cent)$",
            N_("Enter an amount in yuan, such as 299 or 299.50."),
        ),
        (
            r"^\w+ must be a whole number from 0 to (?P<n>\d+)$",
            N_("Enter a whole number from 0 to %(n)s."),
        ),
        (r"^\w+ must be a whole number of minutes$", N_("Enter a whole number of minutes.")),
        (r"^\w+ must be 1 to (?P<n>\d+) minutes$", N_("Enter 1 to %(n)s minutes.")),
        (r"^.+ must have 1 to (?P<n>\d+) characters$", N_("Enter 1 to %(n)s characters.")),
        (r"^.+ must not contain control characters$", N_("Remove the control characters.")),
        (r"^unknown time zone .*$", N_("Choose a time zone such as Asia/Shanghai.")),
        (
            r"^currency must be a three-letter code",
            N_("Enter a three-letter currency code such as CNY."),
        ),
        (r"^give the day as YYYY-MM-DD$", N_("Enter a date as YYYY-MM-DD.")),
        (r"^(?P<day>[\d-]+) is already a holiday$", N_("%(day)s is already a holiday.")),
        (r"^\w+: .+ is not a time like 09:00$", N_("Enter times like 09:00.")),
        (r"^\w+: .+ is past the end of the day", N_("Times end at 24:00.")),
        (r"^\w+: .+ closes before it opens$", N_("A time range closes before it opens.")),
        (r"^\w+: opening times overlap$", N_("These time ranges overlap.")),
        (
            r"^(\w+: give a list of|\w+: each opening must be a pair|business hours must map)",
            N_("Give opening times as pairs such as 09:00–18:00."),
        ),
        (r"^unknown weekday ", N_("Give opening times for the days Monday to Sunday.")),
        (
            r"^the end date must be after the start date$",
            N_("The end date must be after the start date."),
        ),
        (
            r"^cursor is not one this API gave out$",
            N_("This page link is out of date; start again from the first page."),
        ),
        (r"^limit must be between 1 and (?P<n>\d+)$", N_("Show 1 to %(n)s rows at a time.")),
        (
            r"^(?P<field>\w+) is not an id Kefu gives out$",
            N_("That link points to nothing in this shop."),
        ),
        (
            r"^only an owner can make someone an owner$",
            N_("Only an owner can make someone an owner."),
        ),
        (r"^only an owner can change an owner$", N_("Only an owner can change an owner.")),
        (
            r"^(?P<name>.+) is the shop's last active owner",
            N_("%(name)s is the shop's last active owner; make someone else owner first."),
        ),
        (
            r"^(?P<name>.+) also works for another shop",
            N_("%(name)s also works for another shop; only they can reset their password."),
        ),
        (
            r"^you are no longer an agent of this shop$",
            N_("You are no longer an agent of this shop."),
        ),
        (r"^your role may not do this", N_("Your role does not allow this.")),
        (
            r"^the form has expired or did not come from Kefu",
            N_("The form has expired. Reload the page and try again."),
        ),
        (r"^.*contains a NUL character$", N_("Remove the NUL character from what you entered.")),
        (
            r"^something went wrong on our side$",
            N_("Something went wrong on our side. Please try again."),
        ),
        (
            r"^a shortcut has 1 to (?P<n>\d+) letters",
            N_("A shortcut has 1 to %(n)s letters, digits, _ or - (no spaces)."),
        ),
        (r"^a phrase has 1 to (?P<n>\d+) characters$", N_("Enter 1 to %(n)s characters.")),
        (
            r"^the phrase contains a NUL character$",
            N_("Remove the NUL character from what you entered."),
        ),
        (
            r"^unknown variable \{(?P<name>[^}]+)\}",
            N_("Unknown variable {%(name)s}; use {客户昵称}, {订单号}, {物流单号} or {商品名}."),
        ),
        (
            r"^the shortcut /(?P<shortcut>\S+) is already used$",
            N_("The shortcut /%(shortcut)s is already in use."),
        ),
        (
            r"^only an agent has phrases of their own$",
            N_("Only an agent has phrases of their own."),
        ),
        # The workspace: conversations, messages, checks, tags.
        (
            r"^this conversation is closed; start a new one$",
            N_("This conversation is closed; start a new one."),
        ),
        (r"^this conversation is closed$", N_("This conversation is closed.")),
        (r"^this conversation is already closed$", N_("This conversation is already closed.")),
        (
            r"^(?P<name>.+) no longer works here$",
            N_("%(name)s no longer works here; choose someone else."),
        ),
        (
            r"^only a supervisor may reassign another agent's conversation$",
            N_("Only a supervisor may reassign another agent's conversation."),
        ),
        (r"^give the time with its time zone$", N_("Give the time with its time zone.")),
        (r"^snooze until a time in the future$", N_("Choose a time in the future.")),
        (r"^\w+ messages cannot be sent here$", N_("This kind of message cannot be sent here.")),
        (
            r"^a message has at most (?P<n>\d+) characters$",
            N_("A message has at most %(n)s characters."),
        ),
        (r"^client_id must be a UUID$", N_("The message id (client_id) must be a UUID.")),
        (
            r"^this client_id was already used for another message$",
            N_("This message id (client_id) was already used for another message."),
        ),
        (r"^the message is empty$", N_("The message is empty.")),
        (
            r"^this shop blocks replies with (?P<code>\w+) \((?P<zh>\S+) / (?P<en>[^)]+)\): "
            r"(?P<words>.+); rephrase it first$",
            N_(
                "This shop does not allow %(en)s (%(zh)s, %(code)s) in replies: %(words)s. "
                "Rephrase it first."
            ),
        ),
        (r"^\w+ must be text$", N_("Enter text.")),
        (
            r"^(blocking must be a list of finding codes|unknown finding code )",
            N_("Choose findings from the list offered."),
        ),
        (r"^.+ is not a detail to check", N_("Choose from the details offered.")),
        (
            r"^each check is true \(confirmed\) or false \(not yet\)$",
            N_("Mark each check as confirmed or not yet."),
        ),
        (r"^say which details were checked$", N_("Say which details were checked.")),
        (r"^give at most (?P<n>\d+) tags$", N_("Give at most %(n)s tags.")),
        (r"^only an agent has a read position$", N_("Only an agent has a read position.")),
        (
            r"^only an agent has conversations of their own$",
            N_("Only an agent has conversations of their own."),
        ),
        (r"^only the shopper rates a conversation$", N_("Only the shopper rates a conversation.")),
        (r"^rating must be a whole number from 1 to 5$", N_("Give a rating from 1 to 5.")),
        (
            r"^this conversation has already been rated$",
            N_("This conversation has already been rated."),
        ),
        (r"^type a word to search for$", N_("Type a word to search for.")),
        (r"^visitors cannot do this$", N_("Visitors cannot do this.")),
        # Webhooks (settings).
        (
            r"^give the receiver's full http:// or https:// address$",
            N_("Give the receiver's full http:// or https:// address."),
        ),
        (r"^subscribe to at least one event type$", N_("Choose at least one event.")),
        (r"^unknown event type ", N_("Choose events from the list offered.")),
        (
            r"^only a dead-lettered delivery can be replayed$",
            N_("Only a dead letter can be sent again."),
        ),
        (r"^[\w ]+ not found$", N_("It does not exist, or it belongs to another shop.")),
    )
)


def in_accepted_language(accept_language: str | None, message: str) -> str:
    """``message`` in the language an ``Accept-Language`` header asks for, or as it is
    when the header names none Kefu speaks."""
    locale = accepted_locale(accept_language)
    if locale is None:
        return message
    token = activate(locale)
    try:
        return translate_message(message)
    finally:
        deactivate(token)


def translate_message(message: str) -> str:
    """``message`` in the current language: a catalog entry, a known refusal, or as is."""
    translated = gettext(message)
    if translated != message:
        return translated
    for pattern, msgid in KNOWN:
        found = pattern.match(message)
        if found:
            return gettext(msgid) % found.groupdict()
    return message

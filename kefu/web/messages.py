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
            r"^unknown variable \{(?P<name>[^}]+)\}; use \{客户昵称\}, \{客户姓名\}, \{店铺名\}$",
            N_("Unknown variable {%(name)s}; use {客户昵称}, {客户姓名} or {店铺名}."),
        ),
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
        (
            r"^give at least one recipient's e-mail address$",
            N_("Give at least one recipient's e-mail address."),
        ),
        (
            r"^a report goes to at most (?P<n>\d+) recipients$",
            N_("A report goes to at most %(n)s recipients."),
        ),
        (r"^send_hour must be a whole hour from 0 to 23$", N_("Choose an hour from 0 to 23.")),
        (r"^a weekly report needs weekday", N_("Choose the weekday of a weekly report.")),
        (r"^unknown frequency ", N_("Choose one of the options offered.")),
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
        (r"^[\w.]+ must be one of: ", N_("Choose one of the options offered.")),
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
        (
            r"^a .+ has 1 to (?P<n>\d+) characters$",
            N_("Enter 1 to %(n)s characters."),
        ),
        (
            r"^the phrase contains a NUL character$",
            N_("Remove the NUL character from what you entered."),
        ),
        (
            r"^unknown variable \{(?P<name>[^}]+)\}",
            N_("Unknown variable {%(name)s}; use {客户昵称}, {订单号}, {物流单号} or {商品名}."),
        ),
        (
            r"^replace \{(?P<name>[^}]+)\} with the actual words before sending$",
            N_("Replace {%(name)s} with the actual words before sending."),
        ),
        (
            r"^the shortcut /(?P<shortcut>\S+) is already used$",
            N_("The shortcut /%(shortcut)s is already in use."),
        ),
        (
            r"^only an agent has phrases of their own$",
            N_("Only an agent has phrases of their own."),
        ),
        # Script A/B tests on shop phrases.
        (r"^give 1 to (?P<n>\d+) texts to test$", N_("Give 1 to %(n)s texts to test.")),
        (
            r"^each text must differ from the phrase's and the others$",
            N_("Each text must differ from the phrase's and from the others."),
        ),
        (
            r"^this phrase already has a running A/B test$",
            N_("This phrase already has a running A/B test."),
        ),
        (
            r"^only the shop's phrases can be A/B tested$",
            N_("Only the shop's phrases can be A/B tested."),
        ),
        (r"^this A/B test has already ended$", N_("This A/B test has already ended.")),
        (r"^no such variant in this test$", N_("This test has no such variant.")),
        (r"^choose a phrase$", N_("Choose a phrase.")),
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
        (
            r"^a case can be rated once it is resolved or closed$",
            N_("A case can be rated once it is resolved or closed."),
        ),
        (
            r"^this case was already rated: a case is rated once$",
            N_("This case was already rated: a case is rated once."),
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
        (
            r"^a make-up working day needs its opening hours$",
            N_("A make-up working day needs its opening hours."),
        ),
        # After-sales cases, compensations and SLAs (the API, with Accept-Language).
        (
            r"^a \w+ case needs .+ \(order_line_id\)$",
            N_("This kind of case needs the order line it is about."),
        ),
        (
            r"^a \w+ case needs .+ \(order_id\)$",
            N_("This kind of case needs the order it is about."),
        ),
        (
            r"^a \w+ case needs .+ \(evidence\.photo_upload_ids\)$",
            N_("This kind of case needs at least one photo."),
        ),
        (
            r"^a \w+ case needs .+ \(evidence\.tracking_no\)$",
            N_("This kind of case needs the tracking number."),
        ),
        (
            r"^a \w+ case needs .+ \(evidence\.batch_no\)$",
            N_("This kind of case needs the batch number."),
        ),
        (
            r"^a \w+ case needs .+ \(evidence\.customs_status\)$",
            N_("This kind of case needs the customs status."),
        ),
        (
            r"^a case cannot go from (?P<current>\w+) to (?P<wanted>\w+) "
            r"\(from \w+: (?P<allowed>[\w, ]+)\)$",
            N_("A case cannot go from %(current)s to %(wanted)s (from there: %(allowed)s)."),
        ),
        (r"^a case has at most (?P<n>\d+) photos$", N_("A case has at most %(n)s photos.")),
        (
            r"^the order line is not (a line of this order|of this case's order)$",
            N_("The order line is not part of this order."),
        ),
        (r"^this agent is deactivated$", N_("This agent is deactivated; choose someone else.")),
        (r"^write a comment$", N_("Write a comment.")),
        (
            r"^a refund of (?P<amount>[\d.]+) (?P<currency>\w+) is more than the "
            r"(?P<left>[\d.]+) \w+ left to refund",
            N_("A refund of %(amount)s %(currency)s is more than the %(left)s left to refund."),
        ),
        (
            r"^a refund must give back more than 0\.00$",
            N_("A refund must give back more than 0.00."),
        ),
        (
            r"^a refund needs the order it pays back$",
            N_("A refund needs the order it pays back."),
        ),
        (r"^say what the \w+ is worth in cents$", N_("Say what it is worth, in cents.")),
        (
            r"^case (?P<number>\d+) is closed; reopen it first$",
            N_("Case %(number)s is closed; reopen it first."),
        ),
        (
            r"^this compensation is already \w+$",
            N_("This compensation has already been decided."),
        ),
        (
            r"^there is already an SLA policy for ",
            N_("There is already an SLA policy for this case type and priority."),
        ),
        (
            r"^the first response cannot be due after the resolution",
            N_("The first response cannot be due after the resolution."),
        ),
        (
            r"^\w+ must be 1 to (?P<n>\d+) business minutes$",
            N_("Enter 1 to %(n)s business minutes."),
        ),
        (
            r"^\w+ must be a whole number of business minutes$",
            N_("Enter a whole number of business minutes."),
        ),
        (r"^the period must end after it starts$", N_("The period must end after it starts.")),
        (r"^approve must be true or false$", N_("Choose approve or decline.")),
        # Bulk changes on the case list.
        (r"^choose at least one case$", N_("Tick at least one case.")),
        (
            r"^choose at most (?P<n>\d+) cases at once$",
            N_("Tick at most %(n)s cases at once."),
        ),
        (r"^case_ids must be case ids$", N_("Tick the cases in the list.")),
        (r"^\w+ must be a Kefu id$", N_("Choose from the list.")),
        (
            r"^\w+ must be text of at most (?P<n>\d+) characters$",
            N_("Write at most %(n)s characters."),
        ),
        # Saved views of the case list.
        (
            r"^an agent keeps at most (?P<n>\d+) saved views$",
            N_("You can keep at most %(n)s saved views; delete one first."),
        ),
        (r"^filters must be an object$", N_("Choose the filters from the list.")),
        (
            r"^saved views belong to people; an API key has none$",
            N_("Saved views belong to people; an API key has none."),
        ),
        (r"^shared must be true or false$", N_("Choose whether to share the view.")),
        # Reports: periods, filters, KPIs, drill-downs and exports.
        (r"^the period ends before it starts$", N_("The period ends before it starts.")),
        (r"^a report covers at most (?P<n>\d+) days$", N_("A report covers at most %(n)s days.")),
        (r"^\w+ is not a date \(YYYY-MM-DD\)$", N_("Enter dates as YYYY-MM-DD.")),
        (r"^choose a channel from the list$", N_("Choose a channel from the list.")),
        (r"^choose a stage from the list$", N_("Choose a stage from the list.")),
        (r"^choose an intent from the list$", N_("Choose an intent from the list.")),
        (r"^choose a segment from the list$", N_("Choose a customer segment from the list.")),
        (
            r"^a level changes by promotion or demotion only ",
            N_("A level changes only by promotion or demotion, on the growth page."),
        ),
        (r"^unknown KPI '[^']*'; choose one of", N_("Choose a KPI from the list.")),
        (r"^unknown report fact ", N_("Choose a report figure from the list.")),
        (
            r"^\d+ conversations are more than one export holds",
            N_("Too many conversations for one export; choose a shorter period."),
        ),
        # Customer relationships: RFM settings, segments and campaigns.
        (
            r"^(?P<name>\w+) thresholds must be 4 whole numbers of 0 or more, (?P<order>\w+) "
            r"first, such as (?P<example>.+)$",
            N_(
                "%(name)s thresholds are 4 whole numbers of 0 or more: recency in days "
                "largest first, the others smallest first, such as %(example)s."
            ),
        ),
        (
            r"^rfm_thresholds may set recency_days, frequency and monetary_cents$",
            N_("RFM thresholds may set recency_days, frequency and monetary_cents only."),
        ),
        (
            r"^quiet_hours must be two different times",
            N_('Give quiet hours as two different times such as ["22:00", "08:00"], or none.'),
        ),
        (
            r"^\w+ must be a whole number from (?P<low>\d+) to (?P<n>\d+)$",
            N_("Enter a whole number from %(low)s to %(n)s."),
        ),
        (
            r"^a snapshot can only be taken of today or a past day$",
            N_("A snapshot can only be taken of today or a past day."),
        ),
        (r"^give 1 to (?P<n>\d+) variants of the message$", N_("Give 1 to %(n)s variants.")),
        (r"^each variant has a name and a text$", N_("Give each variant a name and a text.")),
        (r"^two variants have the same name$", N_("Two variants have the same name.")),
        (
            r"^send a campaign to one segment or to one tag$",
            N_("Send a campaign to one segment or to one tag."),
        ),
        (r"^a tag has at most (?P<n>\d+) characters$", N_("Enter at most %(n)s characters.")),
        (
            r"^this campaign was already launched",
            N_("This campaign was already launched; create a new one."),
        ),
        (
            r"^no active webhook takes campaign\.message",
            N_("No active webhook takes campaign messages; add one under Settings → Webhooks."),
        ),
        (
            r"^the shop has no active mailbox to send this e-mail campaign",
            N_(
                "The shop has no active mailbox to send e-mail from; "
                "set one up under Settings → E-mail."
            ),
        ),
        (
            r"^only an outgoing mail that failed can be sent again$",
            N_("Only an outgoing mail that failed can be sent again."),
        ),
        (
            r"^nobody would receive this campaign now",
            N_("Nobody would receive this campaign now; see the dry run's counts."),
        ),
        (
            r"^type the customer's external id to confirm the erasure$",
            N_("Type the customer id exactly as shown to confirm the erasure."),
        ),
        (r"^tags must be a list of words$", N_("Tags must be a list of words.")),
        (r"^a customer has at most (?P<n>\d+) tags$", N_("A customer has at most %(n)s tags.")),
        (
            r"^the note has at most (?P<n>\d+) characters$",
            N_("The note has at most %(n)s characters."),
        ),
        (
            r"^a customer cannot be merged into itself$",
            N_("A customer cannot be merged into itself."),
        ),
        (r"^an erased customer cannot be merged$", N_("An erased customer cannot be merged.")),
        (
            r"^cost_per_(?P<what>agent_hour|conversation)_cents must be a whole number of cents$",
            N_("Give the cost as a whole number of cents."),
        ),
        (
            r"^cost_per_(?P<what>agent_hour|conversation)_cents must be from 0 to (?P<max>\d+)$",
            N_("A cost is from 0 to %(max)s cents."),
        ),
        (
            r"^unknown KPI '(?P<code>[^']*)'; sort by one of: (?P<known>.+)$",
            N_("There is no KPI %(code)s; sort by one of: %(known)s."),
        ),
        (r"^(?P<name>.+) is already at this level$", N_("%(name)s is already at this level.")),
        (r"^\w+ is required$", N_("This is required.")),
        (
            r"^[\w.]+ must be a (whole )?number from 0 to (?P<n>[\d.]+)$",
            N_("Enter a number from 0 to %(n)s."),
        ),
        (
            r"^give a reason: ",
            N_("Give a reason: the agent is not eligible for this level, or this is a demotion."),
        ),
        (r"^you may see only your own growth$", N_("You may see only your own growth page.")),
        (
            r"^only supervisors and owners see everyone's growth$",
            N_("Only supervisors and owners see everyone's growth."),
        ),
        (
            r"^hours must be more than 0 and at most (?P<n>\d+)$",
            N_("Enter the hours as a number above 0 and at most %(n)s, such as 1.5."),
        ),
        (
            r"^a supervisor reviews scorecards, not an API key$",
            N_("A supervisor reviews scorecards, not an API key."),
        ),
        (r"^say why in a comment$", N_("Say why in a comment.")),
        (r"^say which criteria to change$", N_("Choose the criteria to change.")),
        (
            r"^(?P<key>.+) is not a criterion of this scorecard; it has (?P<known>.+)$",
            N_("%(key)s is not a criterion of this scorecard; it has %(known)s."),
        ),
        (r"^a result is one of: (?P<known>.+)$", N_("A result is one of: %(known)s.")),
        (
            r"^this scorecard is (?P<status>\w+); a review is no longer open$",
            N_("This scorecard is %(status)s; it can no longer be reviewed."),
        ),
        (
            r"^this scorecard is (?P<status>\w+); it cannot be disputed now$",
            N_("This scorecard is %(status)s; it can no longer be disputed."),
        ),
        (
            r"^this scorecard is (?P<status>\w+); there is nothing to decide$",
            N_("This scorecard is %(status)s; there is nothing to decide."),
        ),
        (
            r"^only the agent it scores may dispute a scorecard$",
            N_("Only the agent a scorecard scores may dispute it."),
        ),
        (
            r"^an amendment says which criteria change$",
            N_("An amendment changes at least one criterion."),
        ),
        (
            r"^upholding changes no criteria; amend instead$",
            N_("Upholding changes no criteria; choose amend instead."),
        ),
        (r"^your role may not read scorecards$", N_("Your role may not read scorecards.")),
        (
            r"^an agent sees only their own scorecards$",
            N_("An agent sees only their own scorecards."),
        ),
        (r"^since is after until$", N_("The first day is after the last day.")),
        (r"^a period is at most (?P<n>\d+) days$", N_("A period is at most %(n)s days.")),
        (
            r"^the review sample is for supervisors$",
            N_("The review sample is for supervisors."),
        ),
        # The knowledge base page: entries, files, the bot's settings.
        (
            r"^(?P<n>\d+) bad rows, nothing was imported",
            N_("%(n)s rows are wrong, so nothing was imported."),
        ),
        (r"^this entry has no version (?P<n>\d+)$", N_("This entry has no version %(n)s.")),
        (
            r"^valid_until must be after valid_from$",
            N_("The valid period must end after it starts."),
        ),
        (r"^unknown column$", N_("Unknown column.")),
        (r"^an entry is an object$", N_("Each entry must be an object with its fields.")),
        (r"^the same question as row (?P<n>\d+)$", N_("The same question as row %(n)s.")),
        (r"^import a \.csv, \.json or \.xlsx file$", N_("Import a .csv, .json or .xlsx file.")),
        (r"^the file is not an Excel workbook", N_("The file is not an Excel workbook (.xlsx).")),
        (r"^the file is not UTF-8 text$", N_("Save the file as UTF-8 text.")),
        (
            r"^the file is not valid JSON \(line (?P<n>\d+)\)$",
            N_("The file is not valid JSON (line %(n)s)."),
        ),
        (
            r"^a FAQ file needs the columns question and answer$",
            N_("The file needs the columns question and answer."),
        ),
        (r"^a FAQ JSON file is a list of entries$", N_("A JSON file must be a list of entries.")),
        (r"^the file has no entries$", N_("The file has no entries.")),
        (r"^a file has at most (?P<n>\d+) entries$", N_("A file has at most %(n)s entries.")),
        (r"^a FAQ file has at most 5 MB$", N_("A file has at most 5 MB.")),
        (
            r"^\w+ must be a whole number from (?P<low>\d+) to (?P<high>\d+)$",
            N_("Enter a whole number from %(low)s to %(high)s."),
        ),
        (
            r"^intents_off must list intent codes",
            N_("Choose the questions from the list offered."),
        ),
        # Opening a case from the workspace: evidence and the shop's custom fields.
        (r"^a \w+ case needs .+ \(.+\)$", N_("This kind of case needs more evidence.")),
        (r"^evidence must be an object$", N_("Give the evidence as the form asks.")),
        (
            r"^photo_upload_ids must be a list of upload ids$",
            N_("Choose photos sent in the conversation."),
        ),
        (
            r"^this shop has no custom fields for \w+ cases$",
            N_("This shop has no custom fields for this kind of case."),
        ),
        # The case settings page (SLA policies, return window, custom-field schemas).
        (
            r"^raise_priority must be true or false$",
            N_("Say whether a breach raises the priority."),
        ),
        (
            r"^reassign_agent_id is only for reassign = agent$",
            N_("Choose an agent only when breached cases go to a named agent."),
        ),
        (
            r"^reassign = agent needs the agent \(reassign_agent_id\)$",
            N_("Choose the agent breached cases go to."),
        ),
        (
            r"^this agent cannot take cases over",
            N_("This agent cannot take cases over (deactivated, or an analyst)."),
        ),
        (
            r"^return_window_days must be a number of days$",
            N_("Enter the return window as a whole number of days."),
        ),
        (
            r"^return_window_days must be 0 to (?P<n>\d+)$",
            N_("The return window is 0 to %(n)s days."),
        ),
        (
            r"^not JSON: (?P<problem>.+) \(line (?P<line>\d+), column (?P<column>\d+)\)$",
            N_("This is not JSON: %(problem)s (line %(line)s, column %(column)s)."),
        ),
        (
            r"^a schema has at most (?P<n>\d+) characters$",
            N_("A schema has at most %(n)s characters."),
        ),
        (
            r"^custom_fields\.(?P<type>\w+): a custom-field schema must be a JSON schema "
            r"with \"type\": \"object\"$",
            N_('The schema of %(type)s must be a JSON schema with "type": "object".'),
        ),
        (
            r"^custom_fields\.(?P<type>\w+): not a valid JSON schema: (?P<problem>.+)$",
            N_("The schema of %(type)s is not a valid JSON schema: %(problem)s"),
        ),
        (
            r"^custom_fields must map case types to JSON schemas$",
            N_("Custom fields map case types to JSON schemas."),
        ),
        (
            r"^(?P<field>[\w.\[\]-]+): (?P<problem>.+)$",
            N_("Custom field %(field)s: %(problem)s"),
        ),
        (
            r"^the AI assistant is not configured: set KEFU_LLM_BASE_URL and KEFU_LLM_MODEL$",
            N_("The AI assistant is not set up (KEFU_LLM_BASE_URL, KEFU_LLM_MODEL)."),
        ),
        (
            r"^the AI assistant did not answer within (?P<n>[\d.]+) seconds; try again later$",
            N_("The AI assistant did not answer within %(n)s seconds; try again later."),
        ),
        (
            r"^the AI assistant at (?P<host>\S+) cannot be reached; try again later$",
            N_("The AI assistant (%(host)s) cannot be reached; try again later."),
        ),
        (
            r"^the AI assistant is busy \(too many requests\); try again in a minute$",
            N_("The AI assistant is busy; try again in a minute."),
        ),
        (
            r"^the AI assistant answered with an error \(HTTP (?P<status>\d+)\)$",
            N_("The AI assistant answered with an error (HTTP %(status)s)."),
        ),
        (
            r"^the AI assistant's answer was not (?:JSON|a chat completion with text)$",
            N_("The AI assistant's answer could not be read; try again or tell the administrator."),
        ),
        (
            r"^write a draft to rephrase first$",
            N_("Write a draft first, then let the AI assistant rephrase it."),
        ),
        (
            r"^a draft to rephrase has at most (?P<n>\d+) characters$",
            N_("A draft to rephrase has at most %(n)s characters."),
        ),
        (
            r"^the shopper has not written anything to reply to yet$",
            N_("The customer has not written anything to reply to yet."),
        ),
        (
            r"^a host name or IP address, e\.g\. imap\.example\.com$",
            N_("Give a host name or IP address, e.g. imap.example.com."),
        ),
        (r"^a port from 1 to 65535$", N_("Give a port from 1 to 65535.")),
        (
            r"^a password of at most (?P<n>\d+) characters on one line$",
            N_("Give a password of at most %(n)s characters on one line."),
        ),
        (r"^the IMAP password is required$", N_("The IMAP password is required.")),
        (r"^the IMAP login is required$", N_("The IMAP login is required.")),
        (
            r"^focus is a list of criterion keys and finding codes$",
            N_("Choose what the note is about from the criteria and findings."),
        ),
        (
            r"^(?P<key>.+) is neither a criterion of this scorecard nor a finding code; "
            r"known: (?P<known>.+)$",
            N_("%(key)s is neither a criterion of this scorecard nor a finding; use %(known)s."),
        ),
        (
            r"^a supervisor writes coaching notes, not an API key$",
            N_("A supervisor writes coaching notes, not an API key."),
        ),
        (
            r"^this scorecard has no scored agent to coach yet$",
            N_("This scorecard has no scored agent to coach yet."),
        ),
        (
            r"^a coaching note is for another agent; ask a colleague to coach you$",
            N_("A coaching note is for another agent; ask a colleague to coach you."),
        ),
        (
            r"^only the agent coached acknowledges a coaching note$",
            N_("Only the agent coached acknowledges a coaching note."),
        ),
        (
            r"^this coaching note is already acknowledged$",
            N_("This coaching note is already acknowledged."),
        ),
        (r"^a reply is text$", N_("A reply is text.")),
        (
            r"^your role may not read coaching notes$",
            N_("Your role may not read coaching notes."),
        ),
        (
            r"^an agent sees only their own coaching notes$",
            N_("An agent sees only their own coaching notes."),
        ),
        (
            r"^only complaint and review follow-up cases have an outcome$",
            N_("Only complaints and bad-review follow-ups end with an outcome."),
        ),
        (
            r"^this follow-up already ended \w+$",
            N_("This follow-up already has its outcome."),
        ),
        (
            r"^follow_up_hours must be a number of hours$",
            N_("Enter the follow-up time as a whole number of hours."),
        ),
        (
            r"^follow_up_hours must be 1 to (?P<n>\d+)$",
            N_("The follow-up time is 1 to %(n)s hours."),
        ),
        (r"^[\w ]+ not found$", N_("It does not exist, or it belongs to another shop.")),
        (
            r"^threshold must be (?P<low>-?\d+) to (?P<high>-?\d+) \(",
            N_("The threshold is %(low)s to %(high)s."),
        ),
        (r"^threshold must be a whole number ", N_("Enter the threshold as a whole number.")),
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

#!/usr/bin/env bash
# The review dashboard's work through its plain HTML forms, as a browser
# without JavaScript sends them (curl): approving and rejecting one message
# or a selection, checked in the store; CSRF (403 without the token, with a
# wrong one, with another session's); GET never changing anything; a hostile
# body shown escaped; keyset pages through a long queue; the inbox (unread
# first, mark read, reply through the sandbox); autoresponders; sent; spend.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
get() { local u=$1; shift; curl -s -o "$T/.body" -D "$T/.h" -w '%{http_code}' "$@" "$u"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
header() { tr -d '\r' <"$T/.h" | sed -n "s/^$1: //Ip" | head -n 1; }
snapshot() { q "select id || status || coalesce(reviewed_by, '') || read from messages order by id" | paste -sd,; }

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off SMS_TZ=UTC \
	SMS_DAILY_LIMIT=1.50
# 120 staged messages: #1..#120.
for i in $(seq 1 120); do
	printf '{"to": "+1555123%04d", "body": "Reminder %d: see you at 10", "priority": "normal"}\n' "$i" "$i"
done | sms-stage -o json >/dev/null
check_eq "120 messages staged" 120 "$(q "select count(*) from messages where status = 'pending'")"

start_webhookd
R=$WH_URL/review
jar=$T/jar
check_eq "the staged tab opens" 200 "$(get "$R/staged" -c "$jar")"
c=$(csrf_of "$T/.body")
check "...with a CSRF token in its forms" test ${#c} = 64

# ---- Pages -------------------------------------------------------------------------------------
rows() { grep -o '<tr id="m[0-9]*"' "$T/.body" | sed 's/.*m//; s/"//' | tr '\n' ' ' | sed 's/ $//'; }
get "$R/staged" -b "$jar" >/dev/null
check_eq "the first page holds #1 to #50" "$(seq -s ' ' 1 50)" "$(rows)"
check_grep "...says how many wait in all" '<strong id="pending-total">120</strong>' "$T/.body"
check_grep "...and what the page costs" 'estimated <span id="page-cost">0.4150</span> USD' "$T/.body"
check_grep "...links the next page by id" 'href="staged?after=50" rel="next"' "$T/.body"
check "...and no previous one" sh -c "! grep -q 'rel=\"prev\"' '$T/.body'"
get "$R/staged?after=50" -b "$jar" >/dev/null
check_eq "after=50 holds #51 to #100" "$(seq -s ' ' 51 100)" "$(rows)"
check_grep "...with a previous page before #51" 'href="staged?before=51" rel="prev"' "$T/.body"
get "$R/staged?last=1" -b "$jar" >/dev/null
check_eq "last=1 holds the last 50 (#71 to #120), oldest first" "$(seq -s ' ' 71 120)" "$(rows)"
check "...and no next page" sh -c "! grep -q 'rel=\"next\"' '$T/.body'"
get "$R/staged?before=71" -b "$jar" >/dev/null
check_eq "before=71 holds #21 to #70" "$(seq -s ' ' 21 70)" "$(rows)"
check_eq "a malformed query string is 400" 400 "$(get "$R/staged?after=%zz" -b "$jar")"

# ---- CSRF --------------------------------------------------------------------------------------
before=$(snapshot)
check_eq "POST without a CSRF token gets 403" 403 "$(get "$R/decide" -b "$jar" -d approve=1)"
# The real token with its last hex digit changed (to 0, or to 1 when it is 0).
wrong=${c%?}0
[ "$wrong" = "$c" ] && wrong=${c%?}1
check_eq "POST with a wrong CSRF token gets 403" 403 "$(get "$R/decide" -b "$jar" -d approve=1 -d "csrf=$wrong")"
check_eq "POST with the token but no session cookie gets 403" 403 "$(get "$R/decide" -d approve=1 -d "csrf=$c")"
get "$R/staged" -c "$T/jar2" >/dev/null
check_eq "POST with another session's token gets 403" 403 "$(get "$R/decide" -b "$T/jar2" -d approve=1 -d "csrf=$c")"
check_eq "a JSON body instead of a form gets 400" 400 \
	"$(get "$R/decide" -b "$jar" -H 'Content-Type: application/json' --data-binary "{\"csrf\":\"$c\",\"approve\":1}")"
for p in staged inbox conversations sent autoresponders spend "staged?approve=1" "split?body=x"; do
	get "$R/$p" -b "$jar" >/dev/null
done
check_eq "...none of them, nor any GET, changed anything" "$before" "$(snapshot)"

# ---- Decisions ------------------------------------------------------------------------------
check_eq "Approve #1 (303 back to the page)" "303 staged?after=50&note=decided&a=1&r=0&s=0" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d after=50 -d approve=1) $(header Location)"
check_eq "...the store: approved by the dashboard, via the dashboard" "approved|dashboard|dashboard" \
	"$(q "select status, reviewed_by from messages where id = 1")|$(q "select detail from events where message_id = 1 and kind = 'status'" | jq -r .via)"
check_eq "Reject #2 without a reason is refused (400)" 400 "$(get "$R/decide" -b "$jar" -d "csrf=$c" -d reject=2 -d reason-2=)"
check_grep "...saying a reason is needed" 'A rejection needs a reason' "$T/.body"
check_eq "...#2 still pending" pending "$(q "select status from messages where id = 2")"
check_eq "Reject #2 with a reason" 303 "$(get "$R/decide" -b "$jar" -d "csrf=$c" -d reject=2 --data-urlencode 'reason-2=  wrong time  ')"
check_eq "...the store: rejected, the reason trimmed" "rejected|dashboard|wrong time" \
	"$(q "select status, reviewed_by, review_reason from messages where id = 2")"
check_eq "Approve a selection (#3, #4, #5)" "303 staged?note=decided&a=3&r=0&s=0" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d bulk=approve -d sel=3 -d sel=4 -d sel=5 -d reason=ignored) $(header Location)"
check_eq "...all three approved" "3|4|5" "$(q "select id from messages where status = 'approved' and id between 3 and 5 order by id" | paste -sd'|')"
check_eq "...approving keeps no reason" 0 "$(q "select count(*) from messages where id between 3 and 5 and review_reason is not null")"
check_eq "Reject a selection with one reason, one of them already decided" "303 staged?note=decided&a=0&r=2&s=1" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d bulk=reject -d sel=6 -d sel=7 -d sel=1 -d 'reason=duplicate') $(header Location)"
check_eq "...two rejected" "6 rejected duplicate,7 rejected duplicate" \
	"$(q "select id || ' ' || status || ' ' || review_reason from messages where id in (6, 7) order by id" | paste -sd,)"
check_eq "...and #1, approved before, left as it was" "approved|" "$(q "select status, coalesce(review_reason, '') from messages where id = 1")"
get "$R/staged?note=decided&a=0&r=2&s=1" -b "$jar" >/dev/null
check_grep "the page then says what happened" 'Rejected 2 messages. 1 message was no longer pending' "$T/.body"
check_eq "Approve #2 (rejected) changes nothing" "303 rejected" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d approve=2 | head -c 3) $(q "select status from messages where id = 2")"
check_eq "nothing selected: the page says so" "303 staged?note=none" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d bulk=approve) $(header Location)"
check_eq "Enter in a text field (the do-nothing default button) decides nothing" "303 staged?note=none" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d noop=1 -d reason-8=typing) $(header Location)"
check_eq "...#8 still pending" pending "$(q "select status from messages where id = 8")"
check_eq "a bad id is 400" 400 "$(get "$R/decide" -b "$jar" -d "csrf=$c" -d approve=abc)"
check_eq "an unknown id is counted as not pending" "303 staged?note=decided&a=0&r=0&s=1" \
	"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d approve=9999) $(header Location)"
check_eq "the queue now holds 113" 113 "$(q "select count(*) from messages where status = 'pending'")"

# ---- A hostile body ----------------------------------------------------------------------------
xss="<script>alert(1)</script>\"'&"
check_eq "an inbound <script> body is stored as sent" 200 "$(incoming "$WH_URL/sms/incoming" SMxss +15557770001 "$xss")"
check_eq "the inbox opens" 200 "$(get "$R/inbox" -b "$jar")"
check_grep "...showing the body escaped" '<div class="body">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;</div>' "$T/.body"
check "...and never raw" sh -c "! grep -q '<script>alert' '$T/.body'"
check_eq "...the only script is app.js" 1 "$(grep -o '<script' "$T/.body" | wc -l)"
get "$R/conversations?number=%2B15557770001" -b "$jar" >/dev/null
check "...escaped in the conversation too" sh -c "grep -q '&lt;script&gt;alert(1)' '$T/.body' && ! grep -q '<script>alert' '$T/.body'"
check_grep "...whose number is escaped in the search field" 'value="+15557770001"' "$T/.body"
get "$R/conversations?number=%3Cb%3E%22x" -b "$jar" >/dev/null
check "a hostile number typed in the search is escaped" sh -c "grep -q 'value=\"&lt;b&gt;&quot;x\"' '$T/.body' && ! grep -q '<b>\"x' '$T/.body'"

# ---- The inbox ---------------------------------------------------------------------------------
incoming "$WH_URL/sms/incoming" SMhrs +15557770002 "What are your hours?" >/dev/null
incoming "$WH_URL/sms/incoming" SMold +15557770003 "An old one" >/dev/null
old=$(q "select id from messages where provider_id = 'SMold'")
hrs=$(q "select id from messages where provider_id = 'SMhrs'")
xid=$(q "select id from messages where provider_id = 'SMxss'")
check_eq "Mark read (a form)" "303 inbox?note=read&n=1&unread=0" \
	"$(get "$R/read" -b "$jar" -d "csrf=$c" -d "id=$old" -d read=1) $(header Location)"
check_eq "...the store: read" 1 "$(q "select read from messages where id = $old")"
get "$R/inbox" -b "$jar" >/dev/null
unread_part=$(sed 's/<section class="all".*//' "$T/.body")
check "unread messages come first, under Unread" sh -c "printf '%s' '$(printf '%s' "$unread_part" | grep -o "id=\"m[0-9]*\"" | tr '\n' ' ')' | grep -q 'm$hrs.*m$xid'"
check "...the read one is not there" sh -c "! printf '%s' '$(printf '%s' "$unread_part" | grep -o "id=\"m[0-9]*\"" | tr '\n' ' ')' | grep -q 'm$old\"'"
check_grep "the tab counts the unread" 'id="count-unread">2<' "$T/.body"
check_eq "Mark unread again" "303 inbox?note=read&n=1&unread=1" \
	"$(get "$R/read" -b "$jar" -d "csrf=$c" -d "id=$old" -d read=0) $(header Location)"
check_eq "...the store: unread" 0 "$(q "select read from messages where id = $old")"
check_eq "Mark read without the CSRF token gets 403" 403 "$(get "$R/read" -b "$jar" -d "id=$old" -d read=1)"

# Replying.
check_eq "an empty reply is refused (400)" 400 "$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$hrs" -d body=)"
check_grep "...with the form open again" '<details class="reply" open>' "$T/.body"
check_eq "replying to a message we sent is refused" 400 "$(get "$R/reply" -b "$jar" -d "csrf=$c" -d id=1 -d body=hi)"
check_grep "...saying why" 'only a received message can be replied to' "$T/.body"
check_eq "a reply (CRLF from the textarea) is sent (303)" 303 \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$hrs" --data-urlencode $'body=Open 9-5,\r\nMon-Fri')"
rid=$(q "select id from messages where reply_to = $hrs")
check_eq "...to the note naming the reply" "inbox?note=replied&id=$rid" "$(header Location)"
check_eq "...the store: the reply, line break as one LF, through the sandbox" \
	"outbound|+15557770002|+15550006666|sandbox|Open 9-5,/Mon-Fri|17" \
	"$(q "select direction, to_number, from_number, provider from messages where id = $rid")|$(q "select body from messages where id = $rid" | paste -sd/)|$(q "select length(body) from messages where id = $rid")"
check_eq "...the original read and replied" "1|1" "$(q "select read, replied from messages where id = $hrs")"
get "$R/inbox?note=replied&id=$rid" -b "$jar" >/dev/null
check_grep "...and the page says it went" "Reply #$rid to +15557770002: sent\\|Reply #$rid to +15557770002: queued" "$T/.body"
sms-optout add +15557770003 >/dev/null 2>&1
check_eq "a reply to an opted-out number is refused (409)" 409 \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$old" -d 'body=still there?')"
check_grep "...the reason shown with the draft kept" 'Not sent: .*opted_out' "$T/.body"
check_grep "...the draft kept" '>still there?</textarea>' "$T/.body"
check_eq "a reply from the conversation comes back to it" "303 conversations?number=%2B15557770002&note=replied&id=$((rid + 1))" \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$hrs" --data-urlencode number=+15557770002 -d 'body=See you') $(header Location)"

# ---- Autoresponders ----------------------------------------------------------------------------
check_eq "add an autoresponder (a form)" "303 autoresponders?note=auto&act=0&id=1" \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=HOURS \
		--data-urlencode "response=Open <9-5> & \"late\"" --data-urlencode 'active_hours=9am-5pm Mon-Fri' -d enabled=1) $(header Location)"
check_eq "...the store, as sms-auto lists it" "HOURS|Open <9-5> & \"late\"|9am-5pm Mon-Fri|true" \
	"$(sms-auto list -o json | jq -r '[.trigger, .response, .active_hours, .enabled] | join("|")')"
get "$R/autoresponders" -b "$jar" >/dev/null
check_grep "...listed, escaped" 'Open &lt;9-5&gt; &amp; &quot;late&quot;' "$T/.body"
check_eq "a bad regex is refused (400)" 400 "$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d 'trigger=/[/' -d response=x)"
check_grep "...saying why, with what was typed" 'does not compile' "$T/.body"
check_eq "bad active hours are refused (400)" 400 "$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=X -d response=x -d 'active_hours=sometimes')"
check_eq "disable it" 303 "$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=disable -d id=1)"
check_eq "...the store: disabled" false "$(sms-auto list -o json | jq -r .enabled)"
check_eq "enable it" 303 "$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=enable -d id=1)"
check_eq "...the store: enabled" true "$(sms-auto list -o json | jq -r .enabled)"
check_eq "delete it" 303 "$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=delete -d id=1)"
check_eq "...the store: gone" 0 "$(q "select count(*) from autoresponders")"
check_eq "deleting it again is 404" 404 "$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=delete -d id=1)"

# ---- Sent and spend ---------------------------------------------------------------------------
get "$R/sent" -b "$jar" >/dev/null
check_grep "the sent tab counts by status" 'approved <span class="count">4</span>' "$T/.body"
check_grep "...lists the replies" 'Open 9-5,' "$T/.body"
check_grep "...with who rejected what, and why" 'rejected in review by dashboard: wrong time' "$T/.body"
get "$R/sent?status=rejected" -b "$jar" >/dev/null
check_eq "...and filters by status" "7 6 2" "$(grep -o '<tr id="m[0-9]*"' "$T/.body" | sed 's/.*m//; s/"//' | tr '\n' ' ' | sed 's/ $//')"
spent=$(sms-status --summary -o json | jq -r .spend.today)
get "$R/spend" -b "$jar" >/dev/null
check_grep "the spend tab shows today's spend as sms-status --summary counts it" "<td class=\"num\">$spent USD</td>" "$T/.body"
check_grep "...against the daily cap" '<td class="num">1.5000</td>' "$T/.body"
check_grep "...and no monthly cap" 'no cap (set SMS_MONTHLY_LIMIT)' "$T/.body"
stop_webhookd
done_testing

// tests/mcp/sdk.mjs — sms-mcp driven by the official MCP TypeScript SDK
// client (StdioClientTransport), on the sandbox provider. Run by
// tests/t2010-mcp-sdk.t, which made the store (SMS_DB) and stored three
// received messages through sms-webhookd. Prints "ok - ..." and
// "not ok - ..." lines, "# ..." diagnostics; exits 1 when something failed.
//
// Environment: SMS_MCP (the program), SMS_DB, MCP_SCRATCH (a directory the
// injection checks may find files in), and the settings the programs need.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The SDK and Ajv are installed in tests/node (npm ci there).
const require = createRequire(new URL('../node/package.json', import.meta.url));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { LATEST_PROTOCOL_VERSION, McpError, ErrorCode } = require('@modelcontextprotocol/sdk/types.js');
const Ajv2020 = require('ajv/dist/2020.js');
const addFormats = require('ajv-formats');

const MCP = process.env.SMS_MCP;
const DB = process.env.SMS_DB;
const SCRATCH = process.env.MCP_SCRATCH;
let failed = 0;

function check(desc, cond, diag) {
	if (cond) console.log(`ok - ${desc}`);
	else {
		failed++;
		console.log(`not ok - ${desc}`);
		if (diag !== undefined) for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').slice(0, 20)) console.log(`#   ${l}`);
	}
}

// The store read back with sqlite3, or psql for a PostgreSQL store (SMS_DB a
// postgresql:// URI): rows as objects named by column, either way.
const PG = /^postgres(ql)?:\/\//.test(DB);
function sql(q) {
	if (PG) {
		const out = execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', DB,
			'-c', `SELECT coalesce(json_agg(sdk_row), '[]') FROM (${q}) sdk_row`], { encoding: 'utf8' });
		return JSON.parse(out);
	}
	const out = execFileSync('sqlite3', ['-json', DB, q], { encoding: 'utf8' });
	return out.trim() === '' ? [] : JSON.parse(out);
}
// exec(q): a statement that returns no rows.
const exec = (q) => execFileSync(PG ? 'psql' : 'sqlite3', PG ? ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', DB, '-c', q] : [DB, q]);
// A column's bytes in upper-case hex, and their count, in either engine's words.
const hexOf = (c) => (PG ? `upper(encode(convert_to(${c}, 'UTF8'), 'hex'))` : `hex(${c})`);
const bytesOf = (c) => (PG ? `octet_length(${c})` : `length(CAST(${c} AS BLOB))`);
const one = (q) => sql(q)[0];
const hex = (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

// A transport that asks for a given protocol version (the SDK client always
// offers its latest) and records the version the server answered.
class VersionedTransport extends StdioClientTransport {
	constructor(params, version) {
		super(params);
		this.version = version;
		this.negotiated = undefined;
		this.errors = [];
		this.initId = undefined;
	}
	send(message, options) {
		if (message.method === 'initialize' && this.version) {
			message = { ...message, params: { ...message.params, protocolVersion: this.version } };
			this.initId = message.id;
		}
		return super.send(message, options);
	}
	set onmessage(f) {
		this._onmessage = f && ((m, extra) => {
			if (m.id !== undefined && m.id === this.initId && m.result) this.negotiated = m.result.protocolVersion;
			f(m, extra);
		});
	}
	get onmessage() {
		return this._onmessage;
	}
}

async function session(version, env = {}) {
	const transport = new VersionedTransport({
		command: MCP,
		env: { ...process.env, ...env },
		stderr: 'pipe',
	}, version);
	let stderr = '';
	transport.stderr.on('data', (d) => { stderr += d; });
	const client = new Client({ name: 'smskit-test', version: '1.0.0' });
	client.onerror = (e) => transport.errors.push(String(e));
	await client.connect(transport);
	const proc = transport._process;
	return {
		client, transport,
		stderr: () => stderr,
		async close() {
			await client.close();
			return proc.exitCode;
		},
	};
}

// The result's records: structuredContent.records, or, for a client before
// 2025-06-18, the NDJSON of the last text block.
function records(res) {
	if (res.structuredContent) return res.structuredContent.records;
	const text = res.content?.[res.content.length - 1]?.text ?? '';
	const recs = [];
	for (const l of text.split('\n')) if (l.trim().startsWith('{')) recs.push(JSON.parse(l));
	return recs;
}
const allText = (res) => (res.content ?? []).map((c) => c.text).join('\n');
const textOf = (res) => res.content?.[0]?.text ?? '';

async function expectProtocolError(p) {
	try {
		const r = await p;
		return { ok: false, got: r };
	} catch (e) {
		return { ok: e instanceof McpError && e.code === ErrorCode.InvalidParams, got: e, message: e.message };
	}
}

const TOOLS = ['send_sms', 'send_mms', 'stage_sms', 'list_staged_sms', 'send_approved_sms',
	'get_incoming_sms', 'reply_to_sms', 'mark_sms_read', 'create_sms_autoresponder',
	'list_sms_autoresponders', 'delete_sms_autoresponder', 'get_sms_conversation',
	'get_sms_status', 'preview_sms', 'get_consent', 'list_sms_templates', 'stage_sms_template', 'send_sms_template', 'wait_for_sms_reply'];

// ---- initialize, tools/list and ping under each protocol version -------------
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
for (const v of ['2024-11-05', '2025-03-26', '2025-06-18', LATEST_PROTOCOL_VERSION]) {
	const s = await session(v);
	check(`${v}: initialize answers ${v}`, s.transport.negotiated === v, s.transport.negotiated);
	check(`${v}: serverInfo names sms-mcp`, s.client.getServerVersion()?.name === 'sms-mcp', s.client.getServerVersion());
	check(`${v}: the server offers tools`, !!s.client.getServerCapabilities()?.tools, s.client.getServerCapabilities());
	const { tools } = await s.client.listTools();
	check(`${v}: tools/list gives the eighteen tools`,
		JSON.stringify(tools.map((t) => t.name).sort()) === JSON.stringify([...TOOLS].sort()), tools.map((t) => t.name));
	const bad = [];
	for (const t of tools) {
		try {
			ajv.compile(t.inputSchema);
			if (t.outputSchema) ajv.compile(t.outputSchema);
		} catch (e) { bad.push(`${t.name}: ${e.message}`); }
		if (t.inputSchema.type !== 'object') bad.push(`${t.name}: inputSchema is not an object schema`);
		if (!t.description || t.description.length < 40) bad.push(`${t.name}: no useful description`);
		for (const [k, p] of Object.entries(t.inputSchema.properties ?? {}))
			if (!p.description) bad.push(`${t.name}.${k}: no description`);
	}
	check(`${v}: every inputSchema (and outputSchema) is a valid JSON Schema (Ajv 2020-12, strict), described`, bad.length === 0, bad.join('\n'));
	const withOut = tools.filter((t) => t.outputSchema).length;
	const withAnn = tools.filter((t) => t.annotations).length;
	const withTitle = tools.filter((t) => t.title).length;
	if (v >= '2025-06-18') check(`${v}: every tool has an outputSchema and a title`, withOut === 19 && withTitle === 19, { withOut, withTitle });
	else check(`${v}: no outputSchema nor title before 2025-06-18`, withOut === 0 && withTitle === 0, { withOut, withTitle });
	if (v >= '2025-03-26') check(`${v}: every tool has annotations`, withAnn === 19, withAnn);
	else check(`${v}: no annotations in 2024-11-05`, withAnn === 0, withAnn);
	check(`${v}: ping`, JSON.stringify(await s.client.ping()) === '{}');
	const r = await s.client.callTool({ name: 'preview_sms', arguments: { message: 'Hello' } });
	check(`${v}: a call answers text content`, r.isError === false && records(r)[0]?.segments === 1 && /^Preview \(nothing sent or stored\):\n1\. 1 segment, GSM-7/.test(textOf(r)), r);
	if (v >= '2025-06-18') check(`${v}: ...and structuredContent`, r.structuredContent?.records?.[0]?.encoding === 'GSM-7', r);
	else check(`${v}: ...and no structuredContent before 2025-06-18`, r.structuredContent === undefined, r);
	check(`${v}: no transport errors`, s.transport.errors.length === 0, s.transport.errors);
	check(`${v}: sms-mcp exits 0 when the client closes`, (await s.close()) === 0);
}
{
	const s = await session('1999-01-01');
	check('an unknown protocol version is answered with our latest', s.transport.negotiated === LATEST_PROTOCOL_VERSION, s.transport.negotiated);
	await s.close();
}

// ---- each tool with valid arguments, effects checked in the store ----------
const s = await session(LATEST_PROTOCOL_VERSION);
const c = s.client;
// The SDK validates structuredContent against the tool's outputSchema once it
// has listed the tools; each result is checked with Ajv here as well.
const outSchemas = {};
for (const t of (await c.listTools()).tools) outSchemas[t.name] = ajv.compile(t.outputSchema);
const schemaBad = [];
const called = new Set();
const call = async (name, args) => {
	const res = await c.callTool({ name, arguments: args });
	called.add(name);
	if (res.structuredContent && !outSchemas[name](res.structuredContent)) schemaBad.push(`${name}: ${ajv.errorsText(outSchemas[name].errors)}`);
	if (!res.structuredContent && !res.content?.[0]?.text?.startsWith('Invalid arguments')) schemaBad.push(`${name}: no structuredContent`);
	return res;
};
const count = () => one('SELECT count(*) AS n FROM messages').n;
const ok = (r) => r.isError === false && r.structuredContent?.ok === true && records(r).every((x) => x.ok === true);

let n0 = count();
let r = await call('preview_sms', { message: 'Ça va? 😀' });
check('preview_sms: UCS-2, one segment, a price', ok(r) && records(r)[0].encoding === 'UCS-2' && records(r)[0].segments === 1 && /^\d+\.\d+$/.test(records(r)[0].price_estimate), r);
check('preview_sms: stores nothing', count() === n0);

r = await call('stage_sms', { to: '(555) 123-4567', message: 'Your table is ready', priority: 'high', notes: 'asked by phone', mediaUrl: 'https://example.com/a.jpg' });
const staged = records(r)[0]?.id;
let row = one(`SELECT * FROM messages WHERE id = ${Number(staged)}`);
check('stage_sms: stored pending, number in E.164, priority, notes, media', ok(r) && row?.status === 'pending' &&
	row.to_number === '+15551234567' && row.priority === 'high' && row.notes === 'asked by phone' && row.media.includes('https://example.com/a.jpg'), { r, row });

r = await call('list_staged_sms', {});
check('list_staged_sms: lists the pending message', ok(r) && records(r).some((x) => x.id === staged && x.status === 'pending'), r);
r = await call('list_staged_sms', { status: 'approved' });
check('list_staged_sms status approved: nothing yet, and says so', ok(r) && records(r).length === 0 && textOf(r) === '0 staged messages with status approved, oldest first.', r);

r = await call('send_sms', { to: '+15551230001', message: 'Direct hello' });
const sent = records(r)[0]?.id;
row = one(`SELECT * FROM messages WHERE id = ${Number(sent)}`);
check('send_sms: sent through the sandbox and stored', ok(r) && row?.status === 'queued' && row.provider === 'sandbox' && row.body === 'Direct hello', { r, row });

r = await call('send_mms', { to: '+15551230002', message: 'Two pictures', mediaUrl: ['https://example.com/a.jpg', 'https://example.com/b.png'] });
row = one(`SELECT * FROM messages WHERE id = ${Number(records(r)[0]?.id)}`);
check('send_mms: sent with both media URLs', ok(r) && row?.status === 'queued' && JSON.parse(row.media).length === 2, { r, row });

execFileSync('sms-approve', ['--by', 'test', String(staged)], { env: process.env });
r = await call('send_approved_sms', {});
row = one(`SELECT * FROM messages WHERE id = ${Number(staged)}`);
check('send_approved_sms: the approved message went out', ok(r) && records(r).some((x) => x.id === staged) && row.status === 'queued', { r, row });
r = await call('send_approved_sms', {});
check('send_approved_sms again: nothing waits, and it says so', ok(r) && records(r).length === 0 && /No approved message/.test(allText(r)), r);

const inbound = sql("SELECT id, from_number FROM messages WHERE direction = 'inbound' ORDER BY id");
check('three received messages were stored by sms-webhookd', inbound.length === 3, inbound);
r = await call('get_incoming_sms', { unread: true, limit: 10 });
check('get_incoming_sms: the three unread, newest first', ok(r) && records(r).map((x) => x.id).join() === inbound.map((x) => x.id).reverse().join(), r);
{
	const [a, b, d] = inbound.map((x) => x.id);
	const want = [
		'3 received messages since 24 hours ago, unread, newest first:',
		`1. #${d} from +15551239003, 2026-12-07 10:00 EST (2 minutes ago), unread`,
		'   "Thanks!"',
		`2. #${b} from +15551239002, 2026-12-07 10:00 EST (2 minutes ago), unread`,
		'   "Open Sunday?"',
		`3. #${a} from +15551239001, 2026-12-07 10:00 EST (2 minutes ago), unread`,
		'   "What are your hours?"',
		`Next: answer one with reply_to_sms messageId ${d}; mark them read with mark_sms_read messageIds [${d}, ${b}, ${a}].`,
	].join('\n');
	check('get_incoming_sms text: a count, numbered entries, local time (SMS_TZ) and age on the test clock, bodies quoted, the next step', textOf(r) === want, textOf(r));
}
r = await call('get_incoming_sms', {});
check('get_incoming_sms with no arguments: the last 24 hours (since defaults to 24h)', ok(r) && records(r).length === 3 && /^3 received messages since 24 hours ago, newest first:/.test(textOf(r)), r);
r = await call('get_incoming_sms', { from: '(555) 123-9001', since: '1d' });
check('get_incoming_sms from a national number, since 1d', ok(r) && records(r).length === 1 && records(r)[0].from === '+15551239001', r);
r = await call('get_incoming_sms', { limit: 1 });
check('get_incoming_sms limit 1', ok(r) && records(r).length === 1, r);
// The listing tools hand their arguments to the program on stdin (--query):
// the same records as the program run with the options.
const direct = (prog, args) => execFileSync(prog, args, { env: process.env, encoding: 'utf8' }).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
r = await call('get_incoming_sms', { from: '(555) 123-9002', since: '1d', unread: true, limit: 5 });
check('get_incoming_sms: the records sms-inbox --from --since --unread --limit prints',
	ok(r) && records(r).length === 1 && JSON.stringify(records(r)) === JSON.stringify(direct('sms-inbox', ['-o', 'json', '--from', '(555) 123-9002', '--since', '1d', '--unread', '--limit', '5'])), r);
r = await call('list_staged_sms', { status: 'all' });
check('list_staged_sms status all: the records sms-stage --list --status all prints',
	ok(r) && records(r).length > 0 && JSON.stringify(records(r)) === JSON.stringify(direct('sms-stage', ['--list', '--status', 'all', '-o', 'json'])), r);

const first = inbound[0].id;
r = await call('reply_to_sms', { messageId: first, reply: "We're open 9-5" });
const reply = records(r)[0];
row = one(`SELECT * FROM messages WHERE id = ${Number(reply?.id)}`);
let orig = one(`SELECT read, replied FROM messages WHERE id = ${first}`);
check('reply_to_sms: sent to the sender from our number, linked, original replied and read',
	ok(r) && row?.to_number === '+15551239001' && row.from_number === '+15550006666' && row.reply_to === first &&
	row.body === "We're open 9-5" && orig.read === 1 && orig.replied === 1, { r, row, orig });
r = await call('reply_to_sms', { messageId: inbound[1].id, reply: 'Noted', markRead: false });
orig = one(`SELECT read, replied FROM messages WHERE id = ${inbound[1].id}`);
check('reply_to_sms markRead false: replied, still unread', ok(r) && orig.read === 0 && orig.replied === 1, { r, orig });

// Ids as assistants write them: "8", 8 and the provider's id name the same message.
{
	const id = inbound[2].id;
	const replies = [];
	for (const messageId of [String(id), id, 'SM0003']) {
		r = await call('reply_to_sms', { messageId, reply: `Thanks to you (${typeof messageId})` });
		replies.push(records(r)[0]?.reply_to);
		check(`reply_to_sms messageId ${JSON.stringify(messageId)}: answered, says so`, ok(r) &&
			textOf(r).startsWith(`Replied to #${id} from +15551239003; the original is marked replied and read.\n1. #`), textOf(r));
	}
	check('..."8", 8 and SM0003 each replied to the same message', replies.every((x) => x === id), replies);
	r = await call('reply_to_sms', { messageId: 'SMnope42', reply: 'x' });
	check('reply_to_sms to an unknown provider id: isError, naming it, and how to find ids', r.isError === true &&
		records(r)[0]?.error?.code === 'not_found' && /message SMnope42: no such message/.test(textOf(r)) && /get_incoming_sms lists/.test(textOf(r)), textOf(r));
	r = await call('reply_to_sms', { messageId: 424242, reply: 'x' });
	check('reply_to_sms to an unknown number: isError, naming it', r.isError === true && /message 424242: no such message/.test(textOf(r)), textOf(r));
	exec(`UPDATE messages SET read = 0 WHERE id = ${id}`);
}
r = await call('mark_sms_read', { messageIds: [inbound[1].id, 'SM0003'] });
check('mark_sms_read takes a provider id among the numbers', ok(r) && records(r).map((x) => x.id).join() === `${inbound[1].id},${inbound[2].id}` &&
	/^Marked 2 messages read\.\n1\. #\d+ from /.test(textOf(r)), textOf(r));
r = await call('mark_sms_read', { messageIds: [inbound[1].id, inbound[2].id] });
check('mark_sms_read: both marked read', ok(r) && records(r).length === 2 &&
	one(`SELECT sum(read) AS n FROM messages WHERE id IN (${inbound[1].id}, ${inbound[2].id})`).n === 2, r);

r = await call('create_sms_autoresponder', { trigger: 'HOURS', response: 'Open Mon-Fri 9am-6pm', activeHours: '9am-6pm Mon-Fri', enabled: false });
const rule = records(r)[0]?.id;
row = one(`SELECT * FROM autoresponders WHERE id = ${Number(rule)}`);
check('create_sms_autoresponder: stored with its hours, disabled', ok(r) && row?.trigger === 'HOURS' &&
	row.response === 'Open Mon-Fri 9am-6pm' && row.active_hours === '9am-6pm Mon-Fri' && row.enabled === 0, { r, row });
r = await call('list_sms_autoresponders', {});
check('list_sms_autoresponders: lists it', ok(r) && records(r).some((x) => x.id === rule && x.enabled === false), r);
r = await call('delete_sms_autoresponder', { id: rule });
check('delete_sms_autoresponder: gone from the store', ok(r) && records(r)[0]?.removed === true &&
	one(`SELECT count(*) AS n FROM autoresponders WHERE id = ${Number(rule)}`).n === 0, r);
r = await call('list_sms_autoresponders', {});
check('list_sms_autoresponders when there are none says so', ok(r) && textOf(r) === '0 autoresponders.', r);

r = await call('get_sms_conversation', { phone: '+1 555 123 9001' });
check('get_sms_conversation: their message, then our reply', ok(r) &&
	records(r).map((x) => x.direction).join() === 'inbound,outbound' && records(r)[1].body === "We're open 9-5", r);

r = await call('get_sms_status', { messageId: sent });
check('get_sms_status messageId: that message, with its status and reason', ok(r) && records(r).length === 1 &&
	records(r)[0].id === sent && records(r)[0].status === 'queued' && typeof records(r)[0].reason === 'string', r);
r = await call('get_sms_status', {});
check('get_sms_status: the recent outbound messages', ok(r) && records(r).length === count() - 3, r);
r = await call('get_sms_status', { messageId: String(sent) });
check('get_sms_status messageId as a string of digits: that message', ok(r) && records(r)[0]?.id === sent &&
	new RegExp(`^1 outbound message:\\n1\\. #${sent} to \\+15551230001: queued`).test(textOf(r)), textOf(r));
{
	const pid = one(`SELECT provider_id FROM messages WHERE id = ${Number(sent)}`).provider_id;
	r = await call('get_sms_status', { messageId: pid });
	check('get_sms_status messageId as the provider id: that message', ok(r) && records(r)[0]?.id === sent, textOf(r));
	r = await call('get_sms_status', { messageId: 'SMnothing' });
	check('get_sms_status of an unknown provider id: isError, naming it', r.isError === true && /SMnothing: no message with this provider id/.test(textOf(r)), textOf(r));
}
r = await call('get_consent', { phone: '+1 555 123 9001' });
check('get_consent: the number, no consent recorded, an empty history', ok(r) && records(r).length === 1 &&
	records(r)[0].number === '+15551239001' && records(r)[0].consent === false && records(r)[0].history.length === 0, r);

check('get_consent text', textOf(r) === 'Consent:\n1. +15551239001: no consent to marketing messages recorded; not opted out', textOf(r));
r = await call('wait_for_sms_reply', { from: '+1 555 123 9001', timeoutSeconds: 1 });
check('wait_for_sms_reply when nothing comes: a sentence, not an error, and timed_out in structuredContent',
	r.isError === false && /^No new message from \+15551239001 came within 1 second\. Call wait_for_sms_reply again/.test(allText(r)) &&
	r.structuredContent?.timed_out === true && r.structuredContent.records.length === 0, r);

// ---- text results, exactly ----------------------------------------------------
r = await call('preview_sms', { message: 'Hello' });
check('preview_sms text', textOf(r) === 'Preview (nothing sent or stored):\n1. 1 segment, GSM-7, 5 characters, ~0.0083 USD', textOf(r));
r = await call('stage_sms', { to: '+15551231111', message: 'See you at "noon"' });
let sid = records(r)[0]?.id;
check('stage_sms text: staged, numbered, quoted, local time, the next step', textOf(r) === [
	'Staged 1 of 1 message for a person to approve; total cost ~0.0083 USD.',
	`1. #${sid} to +15551231111: pending (awaiting approval (sms-approve ${sid}))`,
	'   "See you at \\"noon\\""',
	'   1 segment, ~0.0083 USD, created 2026-12-07 10:02 EST (just now)',
	`Next: nothing is sent until a person approves (sms-approve ${sid}, or the review dashboard); then send_approved_sms sends them.`].join('\n'), textOf(r));
r = await call('list_staged_sms', {});
check('list_staged_sms text: a count, numbered, the total, the next step', /^\d+ staged messages? with status pending, oldest first; total cost ~[0-9.]+ USD:\n1\. #\d+ to /.test(textOf(r)) &&
	textOf(r).includes(`. #${sid} to +15551231111: pending`) && /\nNext: a person approves them \(sms-approve /.test(textOf(r)), textOf(r));
r = await call('send_sms', { to: '+15551231112', message: 'Your code is 1234' });
check('send_sms text', new RegExp(`^Sent 1 of 1 message; cost ~0\\.0083 USD\\.\\n1\\. #(\\d+) to \\+15551231112: queued\\n   "Your code is 1234"\\n   1 segment, ~0\\.0083 USD, created 2026-12-07 10:02 EST \\(just now\\)\\nNext: get_sms_status messageId \\d+ tells whether it was delivered\\.$`).test(textOf(r)), textOf(r));
r = await call('send_mms', { to: '+15551231113', message: 'Pic', mediaUrl: 'https://example.com/p.jpg' });
check('send_mms text: the media named', /^Sent 1 of 1 message; cost ~[0-9.]+ USD\.\n1\. #\d+ to \+15551231113: queued\n   "Pic" \[media: https:\/\/example\.com\/p\.jpg\]/.test(textOf(r)), textOf(r));
r = await call('create_sms_autoresponder', { trigger: 'PRICE', response: 'See example.com/prices' });
const rid = records(r)[0]?.id;
check('create_sms_autoresponder: enabled by default, and says so', ok(r) && records(r)[0]?.enabled === true && textOf(r) === [
	`Created autoresponder #${rid} (enabled: it answers from now on).`,
	`1. #${rid} enabled: trigger "PRICE" answers "See example.com/prices"`].join('\n'), textOf(r));
r = await call('list_sms_autoresponders', {});
check('list_sms_autoresponders text', textOf(r) === [`1 autoresponder, tried in this order:`, `1. #${rid} enabled: trigger "PRICE" answers "See example.com/prices"`,
	`Next: delete_sms_autoresponder id ${rid} removes one; create_sms_autoresponder adds one.`].join('\n'), textOf(r));
r = await call('delete_sms_autoresponder', { id: rid });
check('delete_sms_autoresponder text', textOf(r) === `Deleted autoresponder #${rid} (trigger "PRICE").`, textOf(r));
r = await call('get_sms_conversation', { phone: '+15551239002' });
check('get_sms_conversation text: both directions, oldest first, the reply to make', new RegExp(`^2 messages with \\+15551239002, oldest first:\\n1\\. #${inbound[1].id} from \\+15551239002, 2026-12-07 10:00 EST \\(2 minutes ago\\), replied\\n   "Open Sunday\\?"\\n2\\. #\\d+ to \\+15551239002: queued`).test(textOf(r)) &&
	textOf(r).endsWith(`Next: reply_to_sms messageId ${inbound[1].id} answers their last message.`), textOf(r));
r = await call('get_sms_status', {});
check('get_sms_status text: a count, numbered, newest first', /^\d+ outbound messages, newest first:\n1\. #\d+ to /.test(textOf(r)) && /\n2\. #/.test(textOf(r)), textOf(r));

// ---- templates: sms-template's own rendering, per recipient ------------------------
execFileSync('sms-template', ['add', 'remind', 'Hi {{name}}, see you {{when}}.'], { env: process.env });
r = await call('list_sms_templates', {});
check('list_sms_templates text', textOf(r) === ['1 template:', '1. "remind": "Hi {{name}}, see you {{when}}." (variables: name, when)',
	'Next: stage_sms_template template "remind" with recipients [{to, variables}] stages one message per recipient.'].join('\n'), textOf(r));
r = await call('stage_sms_template', { template: 'remind', recipients: [
	{ to: '+15551232001', variables: { name: 'Ann', when: 'at 10:00' } },
	{ to: '+15551232002', variables: { name: 'Bo' } },
	{ to: '+15551232003', variables: { name: 'Cy', when: 2 } }] });
check('stage_sms_template: two staged, rendered per recipient, one refused for its missing variable', records(r).length === 3 &&
	records(r)[0]?.body === 'Hi Ann, see you at 10:00.' && records(r)[2]?.body === 'Hi Cy, see you 2.' && records(r)[1]?.error?.code === 'missing_var' &&
	/^Staged 2 of 3 messages for a person to approve; 1 refused \(1 missing_var\); total cost ~0\.0166 USD\.\n1\. #\d+ to \+15551232001: pending/.test(textOf(r)) &&
	/\n2\. to \+15551232002 refused \(missing_var\): .*when/.test(textOf(r)), textOf(r));
r = await call('stage_sms_template', { template: 'nope', recipients: [{ to: '+15551232005' }] });
check('stage_sms_template of an unknown template: isError, naming it, pointing to list_sms_templates', r.isError === true &&
	r.structuredContent?.exit_status === 65 && /no template named nope/.test(textOf(r)) && /list_sms_templates shows/.test(textOf(r)), textOf(r));
r = await call('send_sms_template', { template: 'remind', recipients: [{ to: '+15551232004', variables: { name: 'Di', when: 'soon' } }] });
check('send_sms_template: sent now', ok(r) && records(r)[0]?.status === 'queued' && records(r)[0]?.body === 'Hi Di, see you soon.' && /^Sent 1 of 1 message/.test(textOf(r)), textOf(r));

// ---- a survey through MCP: states (sms-auto(1), Flows) -------------------------
r = await call('create_sms_autoresponder', { name: 'review-ask', after: 'survey', trigger: '5', match: 'exact', within: '2h',
	response: 'Thank you! Would you leave a review? Reply YES or NO' });
const fid = records(r)[0]?.id;
r = await call('create_sms_autoresponder', { after: ['survey', 'review-ask'], trigger: '1-3', response: 'Sorry to hear that.', end: true });
const fid2 = records(r)[0]?.id;
r = await call('list_sms_autoresponders', {});
{
	const rules = Object.fromEntries(records(r).map((x) => [x.id, x]));
	check('create_sms_autoresponder name, after, within, match, end: stored, as list_sms_autoresponders gives them', ok(r) &&
		rules[fid]?.name === 'review-ask' && rules[fid].after === 'survey' && rules[fid].within === 7200 && rules[fid].match === 'exact' &&
		rules[fid2]?.after === 'survey,review-ask' && rules[fid2].end === true && !rules[fid2].name, records(r));
	check('list_sms_autoresponders text: the name, the states waited for, what the answer opens or ends', textOf(r) === ['2 autoresponders, tried in this order:',
		`1. #${fid} review-ask enabled: exact trigger "5" after survey (within 2 hours) answers "Thank you! Would you leave a review? Reply YES or NO", opening state review-ask`,
		`2. #${fid2} enabled: trigger "1-3" after survey,review-ask answers "Sorry to hear that.", ending the conversation`,
		`Next: delete_sms_autoresponder id ${fid} removes one; create_sms_autoresponder adds one.`].join('\n'), textOf(r));
}
r = await call('send_sms', { to: '+15551235001', message: 'How was your visit? Reply 1-5', tag: 'survey' });
row = one(`SELECT tag FROM messages WHERE id = ${Number(records(r)[0]?.id)}`);
check('send_sms tag: stored as the message\'s tag', ok(r) && row?.tag === 'survey' && records(r)[0].tag === 'survey', { r, row });
{
	const t = direct('sms-auto', ['test', '-o', 'json', '--from', '+15551235001', '5'])[0];
	check('...and the rule with after survey would answer a 5 from that number', t?.id === fid && t.state === 'survey' && t.would_fire === true, t);
}
r = await call('stage_sms', { to: ['+15551235002', '+15551235003'], message: 'How was your visit? Reply 1-5', tag: 'survey' });
check('stage_sms tag: on each staged message', ok(r) && records(r).length === 2 &&
	records(r).every((x) => one(`SELECT tag FROM messages WHERE id = ${Number(x.id)}`).tag === 'survey'), r);
r = await call('stage_sms_template', { template: 'remind', tag: 'survey', recipients: [{ to: '+15551235004', variables: { name: 'Ed', when: 'soon' } }] });
check('stage_sms_template tag: on the rendered message', ok(r) && one(`SELECT tag FROM messages WHERE id = ${Number(records(r)[0]?.id)}`).tag === 'survey', r);
r = await call('reply_to_sms', { messageId: inbound[2].id, reply: 'Glad you liked it! How would you rate us? Reply 1-5', tag: 'survey' });
check('reply_to_sms tag', ok(r) && one(`SELECT tag FROM messages WHERE id = ${Number(records(r)[0]?.id)}`).tag === 'survey', r);
// An answer's state is sms-webhookd's to record; here it is set in the store.
exec(`UPDATE messages SET state = 'survey' WHERE id = ${inbound[2].id}`);
r = await call('get_incoming_sms', { state: 'survey' });
check('get_incoming_sms state: only the answers to that state, the state in the text', ok(r) && records(r).map((x) => x.id).join() === String(inbound[2].id) &&
	records(r)[0].state === 'survey' && /^1 received message since 24 hours ago answering survey, newest first:\n1\. #\d+ from \+15551239003.*\n   "Thanks!"\n   answering state survey\n/.test(textOf(r)), textOf(r));
exec(`UPDATE messages SET state = NULL WHERE id = ${inbound[2].id}`);
r = await call('preview_sms', { message: 'Reply CONFIRM or CANCEL' });
check('preview_sms of "Reply CONFIRM or CANCEL": the keyword warning in the text', ok(r) &&
	/\n   warnings: asks for the reply CANCEL, which opts the customer out/.test(textOf(r)), textOf(r));
r = await call('stage_sms', { to: '+15551235005', message: 'Reply CONFIRM or CANCEL' });
check('stage_sms: the keyword warning in the text too', ok(r) && /\n   warnings: asks for the reply CANCEL/.test(textOf(r)), textOf(r));
for (const id of [fid, fid2]) await call('delete_sms_autoresponder', { id });

// ---- bulk: 1,000 numbers in one stage_sms call -------------------------------------
{
	execFileSync('sms-optout', ['add', '+15553000007'], { env: process.env });
	const to = [];
	for (let i = 0; i < 989; i++) to.push(`+1555300${String(i).padStart(4, '0')}`);
	to.push('+15553000005'); // listed twice: staged once
	for (let i = 0; i < 10; i++) to.push(`bad${i}`);
	const before = one("SELECT count(*) AS n FROM messages WHERE to_number LIKE '+1555300%'").n;
	const t0 = Date.now();
	r = await call('stage_sms', { to, message: 'Big sale today' });
	const ms = Date.now() - t0;
	const after = one("SELECT count(*) AS n, count(DISTINCT to_number) AS d FROM messages WHERE to_number LIKE '+1555300%'");
	check('stage_sms with 1,000 numbers: 989 staged, each once (one listed twice), 10 refused as invalid_number, one opted out named', records(r).length === 999 &&
		after.n - before === 989 && after.d === 989 &&
		textOf(r).startsWith('Staged 989 of 999 messages for a person to approve; 10 refused (10 invalid_number); total cost ~8.2087 USD. 1 number listed more than once: staged once. 1 of those went to numbers that opted out') &&
		/\n20\. #\d+ to \+15553000019: pending/.test(textOf(r)) && /\n\.\.\. and 979 more \(all in structuredContent\.records\)/.test(textOf(r)), { ms, after, text: textOf(r).slice(0, 600) });
	console.log(`# stage_sms of 1,000 numbers answered in ${ms} ms`);
}

// ---- WhatsApp: the address says the channel; a template by contentSid ------------
r = await call('stage_sms', { to: 'whatsapp:(555) 123-9009', message: 'Your table is ready' });
row = one(`SELECT * FROM messages WHERE id = ${Number(records(r)[0]?.id)}`);
check('stage_sms to whatsapp:(555) 123-9009: stored on WhatsApp, the address normalised', ok(r) &&
	records(r)[0].channel === 'whatsapp' && row?.channel === 'whatsapp' && row.to_number === 'whatsapp:+15551239009', { r, row });
const tmplArgs = { to: 'whatsapp:+15551239009', contentSid: 'HX0123456789abcdef0123456789abcdef', contentVariables: { 1: 'Ann', 2: 12 } };
r = await call('stage_sms', tmplArgs);
check('stage_sms with contentSid and no message: handed to sms-stage, its record says the SID and the variables (numbers as written)',
	records(r)[0]?.content_sid === tmplArgs.contentSid && JSON.stringify(records(r)[0]?.content_variables) === '{"1":"Ann","2":"12"}', r);
// Storing a template is the sender's part (sms-stage(1)): checked once this build's sms-stage stores one.
if (ok(r)) {
	row = one(`SELECT * FROM messages WHERE id = ${Number(records(r)[0].id)}`);
	check('...stored with its content_sid and content_variables', row?.content_sid === tmplArgs.contentSid &&
		row.content_variables === '{"1":"Ann","2":"12"}', row);
} else console.log('ok - ...stored with its content_sid and content_variables # SKIP this sms-stage does not stage a template without a body yet');

// ---- invalid arguments: isError with a clear message (2025-11-25) -------------
n0 = count();
const invalid = [
	['send_sms', { to: '+15551230001' }, /message or contentSid is required/],
	['stage_sms', { to: 'whatsapp:+15551230001', contentSid: 'HX12' }, /contentSid "HX12" is not in the expected form/],
	['reply_to_sms', { messageId: 1, contentSid: 'HX0123456789abcdef0123456789abcdef', contentVariables: { 1: ['Ann'] } }, /contentVariables\.1 must be a string, or a number/],
	['send_mms', { to: '+15551230001', message: 'x', mediaUrl: 'ftp://example.com/a.jpg' }, /mediaUrl must be/],
	['stage_sms', { to: '+15551230001', message: 'x', priority: 'asap' }, /priority must be one of urgent, high, normal, low/],
	['list_staged_sms', { status: 'waiting' }, /status must be one of pending/],
	['send_approved_sms', { all: true }, /unknown parameter "all"/],
	['get_incoming_sms', { limit: 'ten' }, /limit must be a whole number/],
	['reply_to_sms', { messageId: 1.5, reply: 'x' }, /messageId must be a whole number/],
	['mark_sms_read', { messageIds: [] }, /messageIds must be a list of 1 to 1000 items/],
	['create_sms_autoresponder', { trigger: '', response: 'x' }, /trigger must not be empty/],
	['list_sms_autoresponders', { enabled: true }, /unknown parameter "enabled"/],
	['delete_sms_autoresponder', { id: 'one' }, /id must be a whole number/],
	['get_sms_conversation', {}, /phone is required/],
	['get_sms_status', { messageId: -4 }, /messageId must be a whole number from 1/],
	['preview_sms', { message: 42 }, /message must be a string/],
];
for (const [name, args, re] of invalid) {
	r = await call(name, args);
	check(`${name} with invalid arguments: isError, "${re.source}"`, r.isError === true && re.test(allText(r)), r);
}
check('...and none of them stored anything', count() === n0);

// Arguments the schema takes but the program refuses: isError with its error record.
r = await call('stage_sms', { to: 'call me', message: 'x' });
check('stage_sms to an impossible number: isError, invalid_number', r.isError === true && records(r)[0]?.error?.code === 'invalid_number' &&
	r.structuredContent?.exit_status === 1, r);
r = await call('reply_to_sms', { messageId: 999999, reply: 'x' });
check('reply_to_sms to an unknown id: isError, not_found', r.isError === true && records(r)[0]?.error?.code === 'not_found', r);
r = await call('delete_sms_autoresponder', { id: 999999 });
check('delete_sms_autoresponder of an unknown id: isError, not_found', r.isError === true && records(r)[0]?.error?.code === 'not_found', r);
r = await call('create_sms_autoresponder', { trigger: 'X', response: 'y', activeHours: 'whenever' });
check('create_sms_autoresponder with bad hours: isError, invalid_active_hours', r.isError === true && records(r)[0]?.error?.code === 'invalid_active_hours', r);
let e = await expectProtocolError(call('no_such_tool', {}));
check('an unknown tool is -32602', e.ok, e.message ?? e.got);

// ---- injection: arguments reach the programs verbatim and execute nothing ------
const pwn = (k) => `${SCRATCH}/pwned-${k}`;
const nasty = `He said "hi" & 'bye'; $(touch ${pwn(1)}) \`touch ${pwn(2)}\` \${HOME} $HOME %s %n \\ \\\\ | > < *\nsecond line\ttab\r\n; touch ${pwn(3)} #`;
const big = 'x'.repeat(5000) + nasty + 'é'.repeat(2500);
r = await call('stage_sms', { to: '+15551230003', message: nasty, notes: big, priority: 'low' });
const inj = records(r)[0]?.id;
row = one(`SELECT ${hexOf('body')} AS body, ${hexOf('notes')} AS notes, ${bytesOf('notes')} AS nb FROM messages WHERE id = ${Number(inj)}`);
check('stage_sms: quotes, $(...), backticks, newlines stored byte for byte', ok(r) && row?.body === hex(nasty), { r, row });
check('stage_sms: a 10 KB note stored byte for byte', row?.notes === hex(big) && row.nb > 10000, (() => { const h = hex(big); let i = 0; while (i < h.length && row?.notes?.[i] === h[i]) i++; return [row?.nb, Buffer.byteLength(big), i, row?.notes?.slice(i - 20, i + 40), h.slice(i - 20, i + 40)]; })());
r = await call('create_sms_autoresponder', { trigger: `/$(touch ${pwn(4)})\`id\`/`, response: nasty });
row = one(`SELECT ${hexOf('trigger')} AS t, ${hexOf('response')} AS r FROM autoresponders WHERE id = ${Number(records(r)[0]?.id)}`);
check('create_sms_autoresponder: trigger and response stored byte for byte', ok(r) && row?.t === hex(`/$(touch ${pwn(4)})\`id\`/`) && row.r === hex(nasty), { r, row });
r = await call('preview_sms', { message: big });
check('preview_sms: the 10 KB text reaches sms-split whole (and is too long to send)',
	r.structuredContent?.records?.[0]?.body === big && /too long/.test(JSON.stringify(records(r)[0]?.warnings ?? records(r)[0]?.error)), allText(r).slice(0, 400));
n0 = count();
r = await call('stage_sms', { to: '+15551230003', message: 'a\u0000b' });
check('stage_sms with a NUL: the program sees the \\u0000 escape and refuses it (nul_byte)',
	r.isError === true && records(r)[0]?.error?.code === 'nul_byte' && count() === n0, r);
r = await call('get_sms_conversation', { phone: `$(touch ${pwn(5)})` });
check('get_sms_conversation with $(...) as phone: isError, not run', r.isError === true && /phone/.test(allText(r)), r);
r = await call('get_incoming_sms', { since: `1d\`touch ${pwn(6)}\``, from: `+1555'; touch ${pwn(7)}` });
check('get_incoming_sms with shell in since and from: isError, not run', r.isError === true && /since/.test(allText(r)) && /from/.test(allText(r)), r);
r = await call('get_incoming_sms', { from: '--help' });
check('get_incoming_sms from "--help": not taken as an option', r.isError === true, r);
r = await call('get_incoming_sms', { from: '+1 --help --limit 0', since: '1d--unread' });
check('get_incoming_sms with option-like values the schema lets through: sms-inbox gets them verbatim on stdin and refuses them as values',
	r.isError === true && r.structuredContent?.exit_status === 65 && records(r)[0]?.error?.code === 'invalid_query' &&
	/^query: "(since|from)".*`(1d--unread|\+1 --help --limit 0)`/.test(records(r)[0]?.error?.message), r);
r = await call('get_sms_conversation', { phone: '+1 --thread x' });
check('get_sms_conversation with an option-like phone: refused as a value (invalid_query), not run as an option',
	r.isError === true && records(r)[0]?.error?.code === 'invalid_query' && /^query: "thread"/.test(records(r)[0]?.error?.message), r);
const pwned = [1, 2, 3, 4, 5, 6, 7].filter((k) => existsSync(pwn(k)));
check('nothing was executed (no pwned-* file)', pwned.length === 0, pwned);
check('stdout carried nothing but JSON-RPC (no transport errors)', s.transport.errors.length === 0, s.transport.errors);
check('sms-mcp exits 0 at the end of its input', (await s.close()) === 0);
check('...and logged the failed calls on stderr', /stage_sms: sms-stage exited with status 1/.test(s.stderr()), s.stderr());

// ---- 2025-06-18: invalid arguments are -32602 ----------------------------------
{
	const o = await session('2025-06-18');
	for (const [name, args, re] of invalid) {
		const x = await expectProtocolError(o.client.callTool({ name, arguments: args }));
		check(`2025-06-18: ${name} with invalid arguments is -32602 "${re.source}"`, x.ok && re.test(x.message), x.message ?? x.got);
	}
	r = await o.client.callTool({ name: 'reply_to_sms', arguments: { messageId: 999999, reply: 'x' } });
	check('2025-06-18: a program failure is isError with structuredContent', r.isError === true && r.structuredContent?.ok === false, r);
	await o.close();
}

// ---- SMS_MCP_DIRECT_SEND=off ---------------------------------------------------
{
	const o = await session(LATEST_PROTOCOL_VERSION, { SMS_MCP_DIRECT_SEND: 'off' });
	const names = (await o.client.listTools()).tools.map((t) => t.name);
	check('SMS_MCP_DIRECT_SEND=off: fifteen tools, no send_sms, send_mms, send_sms_template nor reply_to_sms', names.length === 15 && !names.includes('send_sms_template') && !names.includes('send_sms') && !names.includes('send_mms') && !names.includes('reply_to_sms'), names);
	n0 = count();
	e = await expectProtocolError(o.client.callTool({ name: 'send_sms', arguments: { to: '+15551230001', message: 'x' } }));
	check('...send_sms is refused (-32602), pointing to stage_sms', e.ok && /stage_sms/.test(e.message), e.message ?? e.got);
	e = await expectProtocolError(o.client.callTool({ name: 'send_mms', arguments: { to: '+15551230001', message: 'x', mediaUrl: 'https://example.com/a.jpg' } }));
	check('...and so is send_mms', e.ok);
	r = await o.client.callTool({ name: 'stage_sms', arguments: { to: '+15551230001', message: 'staged instead' } });
	check('...stage_sms still works', ok(r) && count() === n0 + 1, r);
	await o.close();
}

// ---- send_approved_sms inside the quiet hours: how many wait, and until when ----------
{
	const q = await session(LATEST_PROTOCOL_VERSION, { SMS_QUIET_HOURS: '21:00-08:00', SMS_TEST_NOW: '2026-12-08T03:00:00Z' });
	const a = await q.client.callTool({ name: 'stage_sms', arguments: { to: ['+15554000001', '+15554000002'], message: 'Tomorrow' } });
	execFileSync('sms-approve', ['--by', 'test', ...records(a).map((x) => String(x.id))], { env: process.env });
	r = await q.client.callTool({ name: 'send_approved_sms', arguments: {} });
	const waiting = r.structuredContent?.waiting ?? [];
	check('send_approved_sms inside quiet hours: none sent, how many wait and until when', r.isError === false && records(r).length === 0 &&
		waiting.length >= 2 && new RegExp(`^Sent 0 approved messages\\. ${waiting.length} wait: ${waiting.length} deferred to 08:00 by quiet hours\\.\\nWaiting:\\n1\\. #`).test(textOf(r)), textOf(r));
	r = await q.client.callTool({ name: 'send_sms', arguments: { to: '+15554000003', message: 'Sale!' } });
	check('send_sms inside quiet hours: refused, saying ignoreQuietHours is for what the recipient asked for', r.isError === true &&
		records(r)[0]?.error?.code === 'quiet_hours' && /only for a message the recipient asked for \(a one-time code, an alert they signed up for\), call send_sms again with ignoreQuietHours true/.test(textOf(r)), textOf(r));
	r = await q.client.callTool({ name: 'send_sms', arguments: { to: '+15554000003', message: 'Your code is 555', ignoreQuietHours: true } });
	check('...with ignoreQuietHours true it goes out', r.isError === false && records(r)[0]?.status === 'queued', textOf(r));
	const tl = (await q.client.listTools()).tools.find((t) => t.name === 'send_sms');
	check('send_sms ignoreQuietHours: described as for messages the recipient asked for', /one-time code/.test(tl.inputSchema.properties.ignoreQuietHours?.description ?? ''), tl.inputSchema.properties);
	await q.close();
	const o = await session(LATEST_PROTOCOL_VERSION, { SMS_MCP_DIRECT_SEND: 'off' });
	const names = (await o.client.listTools()).tools;
	check('SMS_MCP_DIRECT_SEND=off: no ignoreQuietHours anywhere (no send_sms)', !JSON.stringify(names).includes('ignoreQuietHours'));
	await o.close();
}
check('every tool was called', TOOLS.every((t) => called.has(t)), TOOLS.filter((t) => !called.has(t)));
check('every structuredContent matched its outputSchema', schemaBad.length === 0, schemaBad.join('\n'));

process.exit(failed ? 1 : 0);

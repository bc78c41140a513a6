#!/usr/bin/env node
// gen-corpus.js — writes tests/data/phones.ndjson: phone-number inputs with a default region,
// and what Google's libphonenumber (the version pinned in package.json) makes of them:
//
//   {"input": "...", "region": "US", "e164": "+1..." | null, "possible": true | false}
//
// e164 is format(parse(input, region), E164), null when parse() throws; possible is
// isPossibleNumber() of the parsed number. tests/t0300-phone-corpus.t runs the file
// through build/tests/phone-check --check; the test suite itself never needs node.
//
//   cd tests/oracle/phone && npm ci && node gen-corpus.js          # rewrite the corpus
//   node gen-corpus.js --check                                    # exit 1 if it differs
//
// Deterministic: fixed lists, libphonenumber's own example numbers, and a seeded PRNG.
'use strict';

const fs = require('fs');
const path = require('path');
const lib = require('google-libphonenumber');

const util = lib.PhoneNumberUtil.getInstance();
const PNF = lib.PhoneNumberFormat;
const PNT = lib.PhoneNumberType;
const OUT = path.join(__dirname, '..', '..', 'data', 'phones.ndjson');

function oracle(input, region) {
	try {
		const n = util.parse(input, region);
		return { e164: util.format(n, PNF.E164), possible: util.isPossibleNumber(n) };
	} catch (e) {
		return { e164: null, possible: false };
	}
}

const lines = [];
const seen = new Set();
const counts = {};
let category = '';

function add(input, region) {
	if (typeof input !== 'string') throw new Error('input must be a string');
	// The C side reads NUL-terminated UTF-8: no NULs, no lone surrogates.
	if (input.includes('\0') || /[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/.test(input))
		throw new Error('unrepresentable input ' + JSON.stringify(input));
	const key = JSON.stringify([input, region]);
	if (seen.has(key)) return;
	seen.add(key);
	const r = oracle(input, region);
	lines.push(JSON.stringify({ input, region, e164: r.e164, possible: r.possible }));
	counts[category] = (counts[category] || 0) + 1;
}

// A small deterministic PRNG (mulberry32).
function rng(seed) {
	let a = seed >>> 0;
	return function () {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// ---- 1. US national formats (the spec's examples first) ----
category = 'US national formats';
const usNumbers = [['555', '123', '4567'], ['212', '555', '0123'], ['415', '555', '2671'],
	['202', '456', '1111'], ['650', '253', '0000'], ['800', '555', '0199'], ['312', '867', '5309'],
	['604', '555', '1234'], ['876', '555', '0123'], ['787', '555', '0101'], ['011', '555', '1234'],
	['123', '456', '7890'], ['555', '012', '3456']];
const usTemplates = ['(A) B-C', 'A.B.C', 'A-B-C', '1-A-B-C', '1 (A) B-C', '+1 A B C', '+1-A-B-C',
	'+1 (A) B-C', 'ABC', '1ABC', '+1ABC', ' A B C ', 'A/B-C', '(A)B-C', '1.A.B.C', '+1.A.B.C',
	'001 A B C', '011 1 A B C', 'A  B  C', '(A) B C', 'tel:+1-A-B-C', 'Call A-B-C now', 'A-B-C.',
	'1 A B C', '+ 1 A B C', '\uff0b1 A B C', 'A B-C'];
for (const [a, b, c] of usNumbers)
	for (const t of usTemplates)
		add(t.replace('A', a).replace('B', b).replace('C', c), 'US');
for (const s of ['555-1234', '123-4567', '867-5309', '5551234', '55512345', '555123456',
	'55512345678', '555123456789', '1555123456', '15551234567890', '(555) 123-456',
	'(555) 123-45678', '+1 555 123 456', '+1 555 123 45678', '+1 555', '+1 55', '1 (800) 555-0199'])
	add(s, 'US');
for (const s of ['(555) 123-4567', '555.123.4567', '1-555-123-4567', '+1 555 123 4567', '5551234567'])
	for (const r of ['CA', 'GB', 'DE', 'FR', 'IN', 'BR', 'AU', 'JP', 'CN', 'MX', 'JM', 'ZZ', '', 'us'])
		add(s, r);

// ---- 2. International numbers: national and international notation ----
category = 'international numbers';
const regions = ['US', 'CA', 'GB', 'DE', 'FR', 'IN', 'BR', 'AU', 'JP', 'CN', 'MX', 'ES', 'IT', 'NL',
	'BE', 'CH', 'AT', 'SE', 'NO', 'DK', 'FI', 'IE', 'PT', 'PL', 'RU', 'UA', 'TR', 'IL', 'AE', 'SA',
	'EG', 'ZA', 'NG', 'KE', 'AR', 'CL', 'CO', 'PE', 'KR', 'SG', 'HK', 'TW', 'PH', 'ID', 'TH', 'VN',
	'MY', 'NZ', 'PK', 'BD', 'JM', 'PR', 'GG', 'IM', 'JE', 'VA', 'KZ', 'LU', 'SM', 'GA', 'BY', 'BO',
	'CR', 'FO', 'LI', 'LT', 'MG', 'NF', 'AG', 'CC', 'CX'];
// From where each region's numbers get dialled internationally, and with which prefix.
// (More IDDs, with carrier codes, are in section 6.)
const dialFrom = [['US', '011 '], ['DE', '00 '], ['JP', '010 '], ['AU', '0011 ']];
const ccs = new Set();
for (const r of regions) {
	const cc = util.getCountryCodeForRegion(r);
	ccs.add(cc);
	for (const type of [PNT.FIXED_LINE, PNT.MOBILE, PNT.TOLL_FREE]) {
		const n = util.getExampleNumberForType(r, type);
		if (!n) continue;
		if (type === PNT.TOLL_FREE && !['US', 'GB', 'DE', 'FR', 'AU', 'JP', 'BR', 'IN'].includes(r)) continue;
		const nat = util.format(n, PNF.NATIONAL);
		const intl = util.format(n, PNF.INTERNATIONAL);
		const e164 = util.format(n, PNF.E164);
		const nsn = util.getNationalSignificantNumber(n);
		add(nat, r);                         // national notation, its own region
		add(nat.replace(/[^0-9]/g, ''), r);  // the same, digits only
		add(nat, 'US');                      // national notation read as US
		add(nat, 'GB');
		add(intl, r);
		add(intl, 'US');
		add(e164, 'ZZ');
		add(e164, '');
		add(util.format(n, PNF.RFC3966), 'ZZ');
		add(nsn, r);                         // without the national prefix
		add(String(cc) + nsn, r);            // country code without the +
		for (const [from, idd] of dialFrom)
			if (from !== r) add(idd + intl.slice(1), from);
		add('00' + e164.slice(1), 'FR');
		add('+' + intl.slice(1).replace(/ /g, '-'), 'IN');
		add(intl.replace(/ /g, '.'), 'MX');
		add(nat, 'DE');
	}
}
for (const r of ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'AU', 'JP', 'CN', 'MX'])
	for (const r2 of ['ES', 'AR', 'KR', 'CN', 'NZ']) {
		const n = util.getExampleNumberForType(r2, PNT.MOBILE);
		add(util.format(n, PNF.INTERNATIONAL), r);
		add(util.format(n, PNF.NATIONAL), r);
	}
// Non-geographic calling codes (+800 ...).
category = 'non-geographic';
for (const cc of util.getSupportedGlobalNetworkCallingCodes().sort((a, b) => a - b)) {
	const n = util.getExampleNumberForNonGeoEntity(cc);
	if (!n) continue;
	const intl = util.format(n, PNF.INTERNATIONAL);
	add(intl, 'US');
	add(util.format(n, PNF.E164), 'ZZ');
	add('00' + intl.slice(1), 'GB');
	add(intl + '1', 'US');
	add(intl.slice(0, -1), 'US');
}

// ---- 3. Too short and too long, per country ----
category = 'too short / too long';
for (const r of regions) {
	const n = util.getExampleNumberForType(r, PNT.MOBILE) || util.getExampleNumberForType(r, PNT.FIXED_LINE);
	if (!n) continue;
	const e164 = util.format(n, PNF.E164);
	const nat = util.format(n, PNF.NATIONAL).replace(/[^0-9]/g, '');
	for (const cut of [1, 2, 3, 5])
		if (e164.length - cut > 3) add(e164.slice(0, -cut), 'US');
	for (const more of ['0', '12', '123', '1234567'])
		add(e164 + more, 'US');
	for (const cut of [1, 2])
		if (nat.length - cut > 1) add(nat.slice(0, -cut), r);
	for (const more of ['5', '55'])
		add(nat + more, r);
}

// ---- 4. Extensions ----
category = 'extensions';
const extBases = [['(212) 555-0123', 'US'], ['+1 212 555 0123', 'US'], ['020 7946 0018', 'GB'],
	['+44 20 7946 0018', 'DE'], ['030 123456', 'DE'], ['+33 1 23 45 67 89', 'FR']];
const extForms = [' x123', ' ext. 123', ' ext 123', ' ext123', ' extension 55', ' Ext: 9', ';ext=123',
	' #123', ' x 12345', ', 123', ',,123', ' ; 77', ' anexo 12', ' \u0434\u043e\u0431 12', ' int 12',
	' ext. 123456789012345678901', ' x1234567890', ' - 123#', ' EXT.123', ' X99', ' xt 5', ' ~12',
	' x', ' ext.', '/x 55', '\\ x 12'];
for (const [b, r] of extBases)
	for (const e of extForms)
		add(b + e, r);
add('tel:+1-212-555-0123;ext=42', 'ZZ');
add('tel:212-555-0123;ext=42;phone-context=+1', 'ZZ');

// ---- 5. Letters, vanity numbers, other digits and plus signs ----
category = 'letters, vanity, unicode';
for (const [s, r] of [['1-800-FLOWERS', 'US'], ['1-800-GOT-JUNK', 'US'], ['1 800 MY APPLE', 'US'],
	['+1 800 FLOWERS', 'GB'], ['800-FLOWERS', 'US'], ['1-800-flowers', 'US'], ['0800 FLOWERS', 'GB'],
	['1-800-FLOWERS-NOW', 'US'], ['1-800-AB', 'US'], ['1-800-A1B2C3D', 'US'], ['CALL 555 1234', 'US'],
	['555-CALL', 'US'], ['TEL 212 555 0123', 'US'], ['phone: +44 20 7946 0018', 'US'],
	['my number is 212.555.0123 thanks', 'US'], ['\uff12\uff11\uff12\uff15\uff15\uff15\uff10\uff11\uff12\uff13', 'US'],
	['\uff0b\uff14\uff14 \uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff10\uff11\uff18', 'US'],
	['+\u0669\u0667\u0661 \u0665\u0660 \u0661\u0662\u0663 \u0664\u0665\u0666\u0667', 'AE'],
	['\u0660\u0665\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667', 'AE'],
	['\u06f0\u06f9\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9', 'IR'],
	['+44\u00a020\u00a07946\u00a00018', 'US'], ['+44\u200b20\u200b7946\u200b0018', 'US'],
	['+44\u201320\u20137946\u20130018', 'US'], ['\u2212 212 555 0123', 'US'], ['212\u3000555\u30000123', 'US'],
	['\uff08212\uff09555\uff0d0123', 'US'], ['212~555~0123', 'US'], ['212[555]0123', 'US'],
	['++44 20 7946 0018', 'US'], ['+00 44 20 7946 0018', 'GB'], ['+011 44 20 7946 0018', 'US'],
	['+0044 20 7946 0018', 'ZZ'], ['+ 44 20 7946 0018', 'US'], ['+-44 20 7946 0018', 'US'],
	['44 20 7946 0018', 'GB'], ['44 20 7946 0018', 'US'], ['+44 (0) 20 7946 0018', 'US'],
	['(+44) 20 7946 0018', 'US'], ['+1 (212) 555-0123 / +1 (212) 555-0124', 'US'],
	['212-555-0123 / x 5', 'US'], ['212-555-0123\\x5', 'US'], ['*212*555*0123', 'US'],
	['212*555*0123', 'US'], ['#212 555 0123', 'US'], ['212 555 0123#', 'US'], ['212 555 0123##', 'US'],
	['\u0131\u0131\u0131 555 0123', 'US'], ['tel:+44-20-7946-0018', 'US'],
	['tel:020-7946-0018;phone-context=+44', 'US'], ['tel:7946-0018;phone-context=example.com', 'GB'],
	['tel:7946-0018;phone-context=', 'GB'], ['tel:7946-0018;phone-context=;', 'GB'],
	['tel:7946-0018;phone-context=+', 'GB'], ['tel:7946-0018;phone-context=-com', 'GB'],
	['+1 212 555 0123;isub=12345', 'US'], ['2125550123;isub=1', 'US']])
	add(s, r);

// ---- 6. National prefixes, carrier codes and IDDs of particular regions ----
category = 'national prefixes and IDDs';
for (const [s, r] of [['0 11 15 1234 5678', 'AR'], ['011 15 2345 6789', 'AR'], ['15 2345 6789', 'AR'],
	['+54 9 11 2345 6789', 'US'], ['+54 11 15 2345 6789', 'US'], ['0341 15 123 4567', 'AR'],
	['(11) 91234-5678', 'BR'], ['0 21 11 91234 5678', 'BR'], ['0xx11 91234-5678', 'BR'],
	['021 11 91234 5678', 'BR'], ['0011 1 212 555 0123', 'AU'], ['0011 44 20 7946 0018', 'AU'],
	['010 1 212 555 0123', 'JP'], ['010 44 20 7946 0018', 'JP'], ['03-1234-5678', 'JP'],
	['090-1234-5678', 'JP'], ['00 1 212 555 0123', 'CN'], ['010 1234 5678', 'CN'],
	['12593 010 1234 5678', 'CN'], ['139 1234 5678', 'CN'], ['810 1 212 555 0123', 'RU'],
	['8 (495) 123-45-67', 'RU'], ['8 912 345 67 89', 'RU'], ['8 10 1 212 555 0123', 'RU'],
	['00 1 212 555 0123', 'KZ'], ['8 701 123 4567', 'KZ'], ['0 30 123456', 'DE'],
	['030 123456', 'DE'], ['0049 30 123456', 'DE'], ['+49 (0)30 123456', 'DE'],
	['01 23 45 67 89', 'FR'], ['06 12 34 56 78', 'FR'], ['0033 6 12 34 56 78', 'FR'],
	['+33 (0)6 12 34 56 78', 'US'], ['91 123 45 67', 'ES'], ['06 6982 1234', 'VA'],
	['06 6982 1234', 'IT'], ['+39 06 6982 1234', 'US'], ['3 12 345 6789', 'IT'],
	['0 98765 43210', 'IN'], ['098765 43210', 'IN'], ['98765 43210', 'IN'], ['+91 98765 43210', 'US'],
	['(55) 1234 5678', 'MX'], ['044 55 1234 5678', 'MX'], ['01 55 1234 5678', 'MX'],
	['1 55 1234 5678', 'MX'], ['+52 1 55 1234 5678', 'US'], ['010-1234-5678', 'KR'],
	['08 1 123 4567', 'KR'], ['001 1 212 555 0123', 'KR'], ['002 44 20 7946 0018', 'KR'],
	['0 21 123 4567', 'GA'], ['011 23 45 67', 'GA'], ['0549 123456', 'SM'], ['123456', 'SM'],
	['12345', 'NF'], ['3 12345', 'NF'], ['4601234', 'AG'], ['268 460 1234', 'AG'],
	['1 268 460 1234', 'AG'], ['876 555 0123', 'JM'], ['555 0123', 'JM'], ['7781 123456', 'GG'],
	['456789', 'GG'], ['07781 123456', 'GG'], ['+44 7781 123456', 'US'], ['7624 123456', 'IM'],
	['425 123', 'IM'], ['1534 456789', 'JE'], ['456789', 'JE'], ['1001 1234567', 'LI'],
	['8 029 123 45 67', 'BY'], ['80 29 123 45 67', 'BY'], ['0 10 2 123 4567', 'BO'],
	['1900 1234 5678', 'CR'], ['1001 123456', 'FO'], ['8 612 34567', 'LT'], ['0 612 34567', 'LT'],
	['20 12 345 67', 'MG'], ['1234567', 'MG'], ['0 20 12 345 67', 'MG'], ['1831 1234', 'AU'],
	['0 412 345 678', 'AU'], ['412 345 678', 'CC'], ['8 9162 1234', 'CX'], ['91621234', 'CX'],
	['15 0099 12345', 'LU'], ['621 123 456', 'LU'], ['0057 1 601 234 5678', 'CO'],
	['03 601 234 5678', 'CO'], ['009 1 212 555 0123', 'CO'], ['0 1 234 5678', 'PE'],
	['9 1234 5678', 'CL'], ['0 800 123 4567', 'TR'], ['0532 123 45 67', 'TR'],
	['00 44 20 7946 0018', 'TR'], ['0 50 123 4567', 'IL'], ['00972 50 123 4567', 'IL'],
	['014 1 212 555 0123', 'IL'], ['013 44 20 7946 0018', 'IL']])
	add(s, r);

// ---- 7. Garbage ----
category = 'garbage';
const garbage = ['', ' ', '+', '++', '-', '()', '...', '---', '()-.', '+()', '#', '*', 'x', 'ext',
	'abc', 'hello world', 'NaN', 'null', 'undefined', 'true', '1e10', '0x1234', '-1', '0', '00',
	'000', '0000', '1', '12', '123', '911', '112', '999', '+1', '+12', '+123', '+44', '+999 1234 5678',
	'+0 1234 5678', '+00', '+000 123', '+1234', '\t212 555 0123\t', '\n', '212\n555\n0123',
	'212\r\n5550123', '\ud83d\udcf1', '\ud83d\udcde 212 555 0123', '212 555 0123 \ud83d\ude00',
	'\ud83d\ude00\ud83d\ude00\ud83d\ude00', "'; DROP TABLE messages; --", "1' OR '1'='1",
	'1; DELETE FROM optouts', 'SELECT * FROM users WHERE id=1', '<script>alert(1)</script>',
	'${jndi:ldap://x}', '%s%s%s%n', '../../etc/passwd', '{"to":"+12125550123"}',
	'[object Object]', '\\u0000', 'caf\u00e9 212 555 0123', '\u00e9\u00e9\u00e9', 'ABCDEFGHIJ',
	'abcdefghij123', '123abc', 'a1b2c3', '1a2b3c4d5e6f7g8h9i', 'CALL', '+CALL NOW',
	'(((((((((((', ')))))))))))', '+-+-+-+-', '. . . . .', '555', '5555', '55555'];
for (const s of garbage)
	for (const r of ['US', 'GB', 'ZZ'])
		add(s, r);
for (const len of [16, 17, 18, 19, 20, 25, 50, 100, 249, 250, 251, 300])
	for (const [s, r] of [['1'.repeat(len), 'US'], ['9'.repeat(len), 'US'], ['+' + '7'.repeat(len), 'ZZ'],
		['12345678901234567890'.repeat(20).slice(0, len), 'DE']])
		add(s, r);
add('+1 ' + '- '.repeat(130) + '212 555 0123', 'US');
add('x'.repeat(240) + '2125550123', 'US');
add('2125550123' + ' '.repeat(245), 'US');
// 16- and 17-digit national numbers exceed JavaScript's 2^53: libphonenumber rounds them.
for (const s of ['+1 9007199254740993', '+1 12345678901234567', '+49 99999999999999999',
	'+49 9999999999999999', '+44 12345678901234567', '+86 98765432109876543', '+800 12345678901234567',
	'+1 00012345678901234', '+39 0123456789012345', '+39 01234567890123456', '+1 0000000000000000'])
	add(s, 'ZZ');

// ---- 8. Default regions that are unknown, lower-case or not regions ----
category = 'default regions';
for (const r of ['ZZ', '', 'us', 'gb', 'Gb', 'USA', 'U', '001', '800', '44', 'XK', 'UN', 'EU'])
	for (const s of ['212 555 0123', '+44 20 7946 0018', '020 7946 0018', '00 44 20 7946 0018',
		'+800 1234 5678', '1234 5678'])
		add(s, r);

// ---- 9. Seeded random inputs: digits, separators, plus signs and letters mixed ----
category = 'random mixtures';
{
	const rand = rng(20261125);
	const alphabet = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2', '5', '7', '9',
		' ', ' ', '-', '.', '(', ')', '+', '/', 'x', 'e', 't', ';', ',', '#', '*', 'A', 'z', '\uff0b',
		'\uff11', '\u0663', '\u00a0', '~'];
	const rlist = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'AU', 'JP', 'CN', 'MX', 'AR', 'RU', 'KR',
		'IT', 'ZZ'];
	for (let i = 0; i < 400; i++) {
		const len = 1 + Math.floor(rand() * 24);
		let s = '';
		for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
		if (rand() < 0.3) s = '+' + s;
		add(s, rlist[Math.floor(rand() * rlist.length)]);
	}
	// Plausible numbers: a prefix, a calling code and digits, with separators.
	const ccList = [...ccs].sort((a, b) => a - b);
	for (let i = 0; i < 300; i++) {
		const cc = ccList[Math.floor(rand() * ccList.length)];
		const prefix = ['+', '00', '011', '+00', '', '0'][Math.floor(rand() * 6)];
		const n = 4 + Math.floor(rand() * 12);
		let digits = '';
		for (let k = 0; k < n; k++) {
			digits += String(Math.floor(rand() * 10));
			if (rand() < 0.2) digits += [' ', '-', '.'][Math.floor(rand() * 3)];
		}
		add(prefix + cc + ' ' + digits, rlist[Math.floor(rand() * rlist.length)]);
	}
}

const body = lines.join('\n') + '\n';
const summary = Object.entries(counts).map(([k, v]) => k + ': ' + v).join(', ');
if (process.argv.includes('--check')) {
	const cur = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
	if (cur !== body) {
		process.stderr.write('gen-corpus: ' + OUT + ' is out of date: run node gen-corpus.js\n');
		process.exit(1);
	}
	process.stdout.write('tests/data/phones.ndjson is up to date (' + lines.length + ' lines)\n');
} else {
	fs.mkdirSync(path.dirname(OUT), { recursive: true });
	fs.writeFileSync(OUT, body);
	process.stdout.write('wrote tests/data/phones.ndjson: ' + lines.length + ' lines (' + summary + ')\n');
}

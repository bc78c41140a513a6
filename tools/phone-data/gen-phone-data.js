#!/usr/bin/env node
// gen-phone-data.js — writes common/text/phone_data.c from the metadata that ships inside
// google-libphonenumber (the exact version pinned in package.json / package-lock.json).
//
//   cd tools/phone-data && npm ci && node gen-phone-data.js      # rewrites ../../common/text/phone_data.c
//   node gen-phone-data.js --check                              # exit 1 if the checked-in file differs
//
// The output depends only on the pinned package: keys are sorted, nothing depends on the
// clock, the locale or the Node version, so a rerun reproduces the file byte for byte.
'use strict';

const fs = require('fs');
const path = require('path');
const lib = require('google-libphonenumber');

const PKG = require('google-libphonenumber/package.json');
const LOCK = JSON.parse(fs.readFileSync(path.join(__dirname, 'package-lock.json'), 'utf8'));
const INTEGRITY = LOCK.packages['node_modules/google-libphonenumber'].integrity;
const OUT = path.join(__dirname, '..', '..', 'common', 'text', 'phone_data.c');

const md = lib.metadata;
const util = lib.PhoneNumberUtil.getInstance();

// PhoneMetadata / PhoneNumberDesc field numbers of the "pblite" arrays in the metadata
// (see i18n.phonenumbers.PhoneMetadata.prototype.get* in the library).
const F = { generalDesc: 1, id: 9, countryCode: 10, internationalPrefix: 11, nationalPrefix: 12,
	nationalPrefixForParsing: 15, nationalPrefixTransformRule: 16, leadingDigits: 23 };
const D = { pattern: 2, possibleLengths: 9, localOnly: 10 };

// Names for the non-geographic calling codes (region "001"), used in reasons only.
const NONGEO = { 800: 'international freephone', 808: 'international shared-cost', 870: 'Inmarsat',
	878: 'universal personal', 881: 'satellite phone', 882: 'international network',
	883: 'international network', 888: 'humanitarian (OCHA)', 979: 'international premium-rate' };

function die(msg) { process.stderr.write('gen-phone-data: ' + msg + '\n'); process.exit(1); }

// phone.c runs these patterns with its own small ECMAScript regex engine; make sure they use
// nothing beyond what it implements: digits, \d, classes, groups, alternation, quantifiers, $.
function checkPattern(p, what) {
	if (p === null || p === undefined) return;
	const rest = p.replace(/\\d|\(\?:|\{\d+(?:,\d*)?\}|[0-9()|?*+\[\]^$-]/g, '');
	if (rest !== '') die(what + ' uses regex syntax phone.c does not implement: ' + JSON.stringify(p));
}

function cstr(s) {
	if (s === null || s === undefined) return 'NULL';
	if (!/^[\x20-\x7e]*$/.test(s)) die('non-ASCII pattern ' + JSON.stringify(s));
	return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function mask(lengths, what) {
	let m = 0;
	let prev = 0;
	for (const n of lengths || []) {
		if (n === -1 && lengths.length === 1) return 0;   // "no numbers of this kind"
		if (!(n >= 1 && n <= 30) || n <= prev) die('bad ' + what + ' ' + JSON.stringify(lengths));
		prev = n;
		m |= 1 << n;
	}
	return m >>> 0;
}

function hex(m) { return '0x' + m.toString(16).padStart(5, '0'); }

// "10", "9 or 10", "7, 9 or 10", "4 to 11 or 13"
function lengthPhrase(m) {
	const runs = [];
	for (let n = 1; n <= 30; n++) {
		if (!(m & (1 << n))) continue;
		const last = runs[runs.length - 1];
		if (last && last[1] === n - 1) last[1] = n; else runs.push([n, n]);
	}
	const parts = [];
	for (const [a, b] of runs) {
		if (a === b) parts.push(String(a));
		else if (b === a + 1) parts.push(String(a), String(b));
		else parts.push(a + ' to ' + b);
	}
	if (parts.length === 1) return parts[0];
	return parts.slice(0, -1).join(', ') + ' or ' + parts[parts.length - 1];
}

// ---- regions (and non-geographic entities, keyed by their calling code) ----
const ids = Object.keys(md.countryToMetadata).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const metaIndex = {};
const metaRows = [];
ids.forEach((id, i) => {
	const a = md.countryToMetadata[id];
	if (a[F.id] !== id && !(a[F.id] === '001' && String(a[F.countryCode]) === id)) die('id mismatch ' + id);
	const gd = a[F.generalDesc];
	if (!gd || !gd[D.pattern]) die('no general pattern for ' + id);
	if (!gd[D.possibleLengths] || gd[D.possibleLengths].length === 0) die('no possible lengths for ' + id);
	const lengths = mask(gd[D.possibleLengths], 'possible lengths of ' + id);
	const local = mask(gd[D.localOnly], 'local-only lengths of ' + id);
	if (lengths === 0 && local !== 0) die('local lengths without possible lengths in ' + id);
	checkPattern(a[F.internationalPrefix], 'international prefix of ' + id);
	checkPattern(a[F.nationalPrefixForParsing], 'national prefix for parsing of ' + id);
	checkPattern(gd[D.pattern], 'general pattern of ' + id);
	checkPattern(a[F.leadingDigits], 'leading digits of ' + id);
	if (a[F.nationalPrefixTransformRule] && !/^(?:[0-9]|\$[1-9])*$/.test(a[F.nationalPrefixTransformRule]))
		die('unexpected transform rule in ' + id);
	metaIndex[id] = i;
	metaRows.push('\t{' + [cstr(id), a[F.countryCode], hex(lengths), hex(local),
		cstr(a[F.internationalPrefix]), cstr(a[F.nationalPrefixForParsing]),
		cstr(a[F.nationalPrefixTransformRule]), cstr(gd[D.pattern]),
		cstr(a[F.leadingDigits])].join(', ') + '},');
});

// ---- country calling codes ----
const ccs = Object.keys(md.countryCodeToRegionCodeMap).map(Number).sort((a, b) => a - b);
const ccRows = [];
for (const cc of ccs) {
	const regions = md.countryCodeToRegionCodeMap[cc];
	const main = regions[0];
	const mid = main === '001' ? String(cc) : main;
	if (!(mid in metaIndex)) die('no metadata for main region of +' + cc);
	for (const r of regions) if (r !== '001' && !(r in metaIndex)) die('no metadata for ' + r);
	const gd = md.countryToMetadata[mid][F.generalDesc];
	const m = mask(gd[D.possibleLengths], 'lengths');
	const who = cc === 1 ? 'NANP' : main === '001' ? NONGEO[cc] : main;
	if (!who) die('no name for +' + cc);
	const tail = m === 0 ? 'there are no ' + who + ' numbers in use' :
		who + ' numbers have ' + lengthPhrase(m) + ' digits after the country code';
	ccRows.push('\t{' + cc + ', ' + metaIndex[mid] + ', ' + cstr(regions.join(' ')) + ',\n\t "' +
		'too short for +' + cc + ' (' + tail + ')",\n\t "' +
		'too long for +' + cc + ' (' + tail + ')",\n\t "' +
		'wrong length for +' + cc + ' (' + tail + ')"},');
}

// ---- NANP area codes that are not US ----
// libphonenumber decides the region of a +1 number from each region's full validity patterns;
// every area code (NPA) belongs to exactly one region, so a table of NPAs does the same job.
// Probe every NPA with all 800 exchanges; an NPA whose valid numbers are split between
// regions would make the table wrong, so that is an error.
const npaRows = [];
for (let npa = 200; npa <= 999; npa++) {
	const seen = new Set();
	for (let nxx = 200; nxx <= 999; nxx++) {
		const n = util.parse('+1' + npa + nxx + '4567', 'ZZ');
		if (util.isValidNumber(n)) seen.add(util.getRegionCodeForNumber(n));
	}
	if (seen.size > 1) die('NPA ' + npa + ' is shared by ' + [...seen].join(','));
	const r = [...seen][0];
	if (r && r !== 'US') npaRows.push('\t{' + npa + ', "' + r + '"},');
}

const src = `/* phone_data — the libphonenumber metadata phone.c needs, as compact sorted tables:
 * per region the calling code, possible lengths, IDD, national-prefix and general patterns;
 * per calling code its regions and reasons; the NANP area codes outside the US.
 *
 * GENERATED FILE — do not edit. Source: npm google-libphonenumber ${PKG.version}
 * (${INTEGRITY}).
 * Regenerate: cd tools/phone-data && npm ci && node gen-phone-data.js
 * (node gen-phone-data.js --check verifies this file is what the pinned package gives). */
#define PHONE_DATA_INTERNAL
#include "phone.h"

const char phone_data_source[] = "google-libphonenumber ${PKG.version}";

/* Sorted by id (strcmp). id is an ISO 3166 region, or the calling code of a non-geographic
 * entity ("800"). lengths/local: bit n set = national significant numbers of n digits are
 * possible / possible for local dialling only (generalDesc possibleLengths and
 * possibleLengthLocalOnly). Patterns are libphonenumber's ECMAScript regexes, verbatim.
 *  id, cc, lengths, local, international_prefix, national_prefix_for_parsing,
 *  national_prefix_transform_rule, general national number pattern, leading_digits */
const struct phone_meta phone_metas[] = {
${metaRows.join('\n')}
};
const size_t phone_nmetas = sizeof phone_metas / sizeof phone_metas[0];

/* Sorted by calling code. meta: index into phone_metas of the main region (the one whose
 * lengths isPossibleNumber uses); regions: libphonenumber's list, main region first. */
const struct phone_cc phone_ccs[] = {
${ccRows.join('\n')}
};
const size_t phone_nccs = sizeof phone_ccs / sizeof phone_ccs[0];

/* NANP area codes whose numbers libphonenumber places outside the US, sorted. */
const struct phone_npa phone_npas[] = {
${npaRows.join('\n')}
};
const size_t phone_nnpas = sizeof phone_npas / sizeof phone_npas[0];
`;

if (process.argv.includes('--check')) {
	const cur = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
	if (cur !== src) die(OUT + ' is out of date: run node gen-phone-data.js');
	process.stdout.write('common/text/phone_data.c is up to date\n');
} else {
	fs.writeFileSync(OUT, src);
	process.stdout.write('wrote common/text/phone_data.c: ' + metaRows.length + ' regions, ' +
		ccRows.length + ' calling codes, ' + npaRows.length + ' NANP area codes\n');
}

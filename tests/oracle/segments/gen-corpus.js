// gen-corpus.js — the oracle corpus for common/text/gsm.c: a few thousand bodies, made
// deterministically (seeded PRNG), each run through Twilio's segment calculator without
// and with Smart Encoding. One NDJSON line per body on stdout:
//
//   {"id":N,"category":"...","body":"...",
//    "encoding":"GSM-7"|"UCS-2","segments":N,"chars":N,"units":N,"part_lengths":[N,...],
//    "smart_body":"...","smart_encoding":"...","smart_segments":N,"smart_chars":N,
//    "smart_units":N,"smart_part_lengths":[N,...]}
//
// chars = the calculator's graphemes (CRLF split in two), units = septets or 16-bit units
// without UDH, part_lengths = the length of each segment's text in code points (what jq's
// string slices count). smart_body (the text after Smart Encoding) and smart_chars,
// smart_units, smart_part_lengths are there only when Smart Encoding changed the body
// (otherwise they equal the plain ones). Regenerate with
//   npm ci && node gen-corpus.js > ../../data/segments.ndjson
'use strict';
const { SegmentedMessage } = require('sms-segments-calculator');
const SmartEncodingMap = require('sms-segments-calculator/dist/libs/SmartEncodingMap').default;

// ---------------------------------------------------------------- PRNG (mulberry32)
let seed = 0x5e9_2024;
function rnd() {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = seed;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];
const cps = (...c) => String.fromCodePoint(...c);
const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => cps(lo + i));
const units16 = (s) => s.length;

// ---------------------------------------------------------------- alphabets
const DIGITS = '1234567890';
const D = (n) => DIGITS.repeat(Math.ceil(n / 10) + 1).slice(0, n);
const ASCII_GSM = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?:;\'"()*+-/=<>@#$%&_'];
const GSM_NONASCII = [...'£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà¡¤'];
const GSM_EXT = [...'^{}\\[~]|€', '\f'];
const NON_GSM_LATIN = [...'áíóúÁÍÓÚçêëïîôûÿãõšžłőÈÌÒÙâ'];
const WORDS = ['hello', 'your', 'order', 'has', 'shipped', 'appointment', 'tomorrow', 'at', '9am',
	'reply', 'STOP', 'to', 'opt', 'out', 'code', 'is', 'thanks', 'see', 'you', 'soon', 'the', 'a',
	'pickup', 'ready', 'store', 'Main', 'St.', 'call', 'us', 'balance', 'due', '$12.50', 'ref#4471'];
const CJK = range(0x4e00, 0x4fff).concat(range(0x3041, 0x3096), range(0x30a1, 0x30fa), ['、', '。', '！', '？']);
const HANGUL = range(0xac00, 0xacff);
const ARABIC = range(0x0621, 0x063a).concat(range(0x0641, 0x064a), [' ', ' ', ' ', '،', '؟']);
const HARAKAT = range(0x064b, 0x0652);
const DEVANAGARI = range(0x0915, 0x0939);
const DEV_SIGNS = range(0x093e, 0x094d);
const THAI = range(0x0e01, 0x0e2e);
const THAI_MARKS = ['\u0e31', '\u0e33', '\u0e34', '\u0e35', '\u0e48', '\u0e49'];
const SMART_KEYS = Object.keys(SmartEncodingMap).filter((k) => k !== '\u0000');  // NUL: no body holds it
const SMART_COMMON = [...'“”‘’—–…«»•', '\u00a0', '\u2009', '\t', '\u200b', '\ufeff', '‹', '›', '\u200c'];
const FLAGS = ['US', 'GB', 'IT', 'FR', 'DE', 'JP', 'BR', 'IN', 'UA', 'ZA'].map((c) =>
	cps(...[...c].map((ch) => 0x1f1e6 + ch.charCodeAt(0) - 65)));
const SKIN = range(0x1f3fb, 0x1f3ff);
const SIMPLE_EMOJI = ['😀', '😜', '🎉', '👍', '🙏', '🔥', '💯', '🚀', '📦', '✅', '❤', '☺', '✌', '⚽', '🥲', '🫠', '🫶', '🦄'];
const ZWJ_SEQ = ['👨‍👩‍👧‍👦', '🏳️‍🌈', '👩‍💻', '🧑‍🤝‍🧑', '🐕‍🦺', '👁️‍🗨️', '❤️‍🔥', '🫱🏼‍🫲🏿', '👩🏽‍🚀',
	'🏴‍☠️', '👨‍❤️‍👨', '🧑🏿‍🦱', '👩‍👩‍👦', '🧔‍♂️', '🏃‍♀️', '👨🏻‍🍳'];
const KEYCAPS = ['#️⃣', '1️⃣', '9️⃣', '*️⃣'];
const TAG_FLAGS = ['🏴󠁧󠁢󠁥󠁮󠁧󠁿', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'];
const COMBINING = range(0x0300, 0x036f);
const emojiAny = () => {
	switch (ri(6)) {
	case 0: return pick(SIMPLE_EMOJI);
	case 1: return pick(['👍', '👋', '✌', '🙏', '💪', '🧑', '👩']) + pick(SKIN);
	case 2: return pick(FLAGS);
	case 3: return pick(ZWJ_SEQ);
	case 4: return pick(KEYCAPS.concat(TAG_FLAGS));
	default: return pick(SIMPLE_EMOJI) + '\ufe0f';
	}
};

function words(n, extra) {  // n UTF-16 code units of words, sprinkled with extra()
	let s = '';
	while (s.length < n) {
		if (s) s += ' ';
		s += extra && rnd() < 0.25 ? extra() : pick(WORDS);
	}
	return cut(s, n);
}
function cut(s, n) {  // at most n code units, never inside a surrogate pair
	if (s.length <= n) return s;
	let t = s.slice(0, n);
	const c = t.charCodeAt(t.length - 1);
	if (c >= 0xd800 && c <= 0xdbff) t = t.slice(0, -1);
	return t;
}
function fromPool(pool, n) {  // n picks from pool
	let s = '';
	for (let i = 0; i < n; i++) s += pick(pool);
	return s;
}

// ---------------------------------------------------------------- the corpus
const out = [];
const add = (category, body) => out.push({ category, body });

// 1. every length 0..700 of plain GSM text (ASCII)
for (let n = 0; n <= 700; n++) add('gsm-length', fromPool(ASCII_GSM, n));
// 2. every even length of GSM text with non-ASCII GSM letters and extension characters
for (let n = 2; n <= 700; n += 2) add('gsm-mixed-length', fromPool(ASCII_GSM.concat(ASCII_GSM, GSM_NONASCII, GSM_EXT), n));
// 3. the calculator's own test vectors (doc/segments.md, Test vectors)
const E = (n) => '😜' + D(n).slice(1);
for (const n of [160, 161, 306, 307, 459, 460, 461]) add('vector', D(n));
for (const n of [69, 70, 134, 135]) add('vector', E(n));
add('vector', '🇮🇹' + '2345678901'.repeat(7).slice(0, 66));
add('vector', '🇮🇹' + '2345678901'.repeat(7).slice(0, 67));
add('vector', '🏳️‍🌈' + '2345678901'.repeat(7).slice(0, 64));
add('vector', '🏳️‍🌈' + '2345678901'.repeat(7).slice(0, 65));
for (const x of GSM_EXT) { add('vector', x + D(158)); add('vector', x + D(159)); }
add('vector', '😀' + ']'.repeat(68));
add('vector', '😀' + ']'.repeat(69));
for (const x of [...'ÁÚúçíÍóÓ']) { add('vector', x.repeat(70)); add('vector', x.repeat(71)); }
add('vector', 'e\u0301\u0301\u0301' + 'a'.repeat(66));
add('vector', 'e\u0301\u0301\u0301' + 'a'.repeat(67));
add('vector', 'más');
add('vector', '\rabcde\r\n123');
add('vector', '\nabcde\n\n123\n');
// 4. extension characters exactly at GSM-7 segment boundaries
const GSM_EDGES = [150, 151, 152, 153, 154, 155, 158, 159, 160, 161, 303, 304, 305, 306, 307, 308, 456, 457, 458, 459, 460, 461];
let k = 0;
for (const p of GSM_EDGES) {
	for (const total of [p + 1, p + 2, 160, 161, 162, 306, 307, 459, 460]) {
		if (total <= p) continue;
		const x = GSM_EXT[k++ % GSM_EXT.length];
		add('gsm-ext-boundary', D(p) + x + D(total - p - 1));
	}
	add('gsm-ext-boundary', D(p) + GSM_EXT[k++ % GSM_EXT.length].repeat(4) + D(5));
}
for (let n = 148; n <= 162; n++) add('gsm-ext-boundary', GSM_EXT[n % GSM_EXT.length].repeat(n - 80) + D(80));
// 5. emoji, flags, skin tones, ZWJ sequences at UCS-2 segment boundaries
const UCS_EDGES = [0, 1, 2, 64, 65, 66, 67, 68, 69, 70, 71, 131, 132, 133, 134, 135, 136, 198, 199, 200, 201, 202];
const BIG = ['😀', '🇮🇹', '👍🏽', '🏳️‍🌈', '👨‍👩‍👧‍👦', '1️⃣', 'e\u0301\u0302', '🧑‍🤝‍🧑', '🏴󠁧󠁢󠁥󠁮󠁧󠁿'];
for (const g of BIG) {
	for (const p of UCS_EDGES) {
		for (const total of [70, 71, 134, 135, 201, 202]) {
			const rest = total - p - units16(g);
			if (rest < 0) continue;
			if (rnd() < 0.55) continue;  // a deterministic sample keeps the file small
			add('ucs2-boundary', D(p) + g + D(rest));
		}
	}
}
for (let n = 60; n <= 72; n++) add('ucs2-boundary', '😀'.repeat(n) + 'x');
for (let n = 30; n <= 36; n++) add('ucs2-boundary', '👍🏽'.repeat(n));
for (let n = 15; n <= 20; n++) add('ucs2-boundary', '🇮🇹'.repeat(2 * n) + '🇮');
// 6. accented Latin in and out of GSM-7
for (const total of [50, 69, 70, 71, 140, 153, 159, 160, 161, 200, 306, 307]) {
	add('latin-gsm', words(total, () => pick(['café', 'crème', 'Müller', 'señor', 'Ørsted', 'Ålborg', 'à', 'Ç'])));
	add('latin-ucs2', words(total, () => pick(['más', 'próximo', 'ação', 'garçon', 'Île', 'naïve', 'Łódź'])));
	add('latin-ucs2', D(total - 1) + pick(NON_GSM_LATIN));
	add('latin-ucs2', pick(NON_GSM_LATIN) + D(total - 1));
}
// 7. CJK, Hangul, Arabic, Indic, Thai
for (let n = 1; n <= 80; n++) add('cjk', fromPool(CJK, n));
for (let i = 0; i < 60; i++) add('cjk', fromPool(CJK, 80 + ri(140)));
for (let i = 0; i < 30; i++) add('cjk', fromPool(CJK.concat(ASCII_GSM), 30 + ri(200)));
for (let i = 0; i < 40; i++) add('hangul', fromPool(HANGUL, 1 + ri(150)));
for (let i = 0; i < 20; i++) {  // conjoining jamo: L V T sequences
	let s = '';
	const n = 5 + ri(60);
	for (let j = 0; j < n; j++) s += cps(0x1100 + ri(19), 0x1161 + ri(21)) + (rnd() < 0.5 ? cps(0x11a8 + ri(27)) : '');
	add('hangul-jamo', s);
}
for (let i = 0; i < 80; i++) {
	let s = '';
	const n = 5 + ri(160);
	while (s.length < n) s += pick(ARABIC) + (rnd() < 0.4 ? pick(HARAKAT) : '') + (rnd() < 0.1 ? pick(HARAKAT) : '');
	if (i % 10 === 0) s = '\u0600' + '١٢٣' + s;  // ARABIC NUMBER SIGN (Prepend)
	add('arabic', s);
}
for (let i = 0; i < 40; i++) {
	let s = '';
	const n = 5 + ri(150);
	while (s.length < n) s += pick(DEVANAGARI) + (rnd() < 0.5 ? pick(DEV_SIGNS) : '') + (rnd() < 0.1 ? ' ' : '');
	add('devanagari', s);
}
for (let i = 0; i < 30; i++) {
	let s = '';
	const n = 5 + ri(150);
	while (s.length < n) s += pick(THAI) + (rnd() < 0.4 ? pick(THAI_MARKS) : '');
	add('thai', s);
}
// 8. smart encoding: every key of the map, in context; typical typography near boundaries
for (const key of SMART_KEYS) add('smart-key', 'Say ' + key + ' now');
for (const total of [60, 69, 70, 71, 72, 150, 155, 159, 160, 161, 162, 305, 306, 307, 320]) {
	for (let j = 0; j < 4; j++) add('smart-typography', words(total, () => pick(SMART_COMMON) + pick(WORDS) + pick(SMART_COMMON)));
}
for (let i = 0; i < 100; i++) add('smart-random', fromPool(ASCII_GSM.concat(SMART_KEYS, SMART_COMMON, GSM_EXT), 1 + ri(330)));
add('smart-typography', 'We\u2019re open \u201c9\u20135\u201d \u2014 see you\u2026');
add('smart-typography', '\u2018single\u2019 \u201cdouble\u201d en\u2013dash em\u2014dash');
// 9. line breaks
for (const total of [20, 158, 159, 160, 161, 162, 305, 306, 307]) {
	for (const nl of ['\r\n', '\n', '\r', '\n\r']) {
		const base = D(total - 2);
		add('linebreak', base.slice(0, total - 3) + nl + base.slice(total - 3));
		add('linebreak', D(total - 1 - nl.length) + nl + '€');
	}
}
for (let i = 0; i < 30; i++) add('linebreak', fromPool(ASCII_GSM.concat(['\r\n', '\r\n', '\n', '\r']), 10 + ri(300)));
for (let i = 0; i < 20; i++) add('linebreak-ucs2', fromPool(ASCII_GSM.concat(['\r\n', '\r\n', '\n', '😀', 'é', 'ç']), 10 + ri(150)));
for (const p of [64, 65, 66, 67, 68, 69, 70]) add('linebreak-ucs2', 'ç' + D(p - 1) + '\r\n' + D(10));
// 10. emoji in text
for (let i = 0; i < 250; i++) add('emoji', words(10 + ri(250), emojiAny));
for (let i = 0; i < 60; i++) add('emoji-dense', fromPool([emojiAny(), emojiAny(), emojiAny(), ' ', 'a'], 1 + ri(90)));
// 11. combining marks, including clusters bigger than a segment
for (let n = 1; n <= 80; n += (n < 10 ? 1 : 7)) add('combining', 'e' + fromPool(COMBINING, n) + ' ok');
for (let i = 0; i < 40; i++) {
	let s = '';
	const n = 10 + ri(200);
	while (s.length < n) s += pick(ASCII_GSM) + (rnd() < 0.3 ? pick(COMBINING) : '');
	add('combining', s);
}
for (const [k1, m] of [[5, 65], [4, 66], [10, 60], [3, 67], [0, 70], [0, 71], [0, 140], [66, 4], [60, 20], [69, 2], [40, 66]]) {
	add('big-cluster', 'x'.repeat(k1) + 'e' + '\u0301'.repeat(m - 1) + 'y'.repeat(5));
	add('big-cluster', 'x'.repeat(k1) + 'e' + '\u0301'.repeat(m - 1) + 'a' + '\u0301'.repeat(9) + 'z');
}
// 12. where grapheme-splitter (Unicode 10) differs from today's Unicode rules
const QUIRKS = [
	'a🏻', 'x🏽y', '👍🏻', '👍\u0301🏻', '👍\u0301\u0301🏻', '\u0301🏻', '\u0001🏻', '🇮🇹\u0301\u0301',
	'🇮🇹\u0301x', '🇮🇹🇫', '🇮🇹🇫🇷🇩', '\u0600🇺🇸', '\u0600\u0600a', 'a\u200d❤', '\u200d❤', '😀\u200d😀',
	'🥲\u200d🥲', '👨\u200d👩', '👨\u0301\u200d👩🏻', '👨\u200d👩🏻', '👨\ufe0f\u200d👩🏻', '🧑\u200d🤝\u200d🧑',
	'🐕\u200d🦺', '각', '각', '각ᆨ', '\u0915\u094d\u0937', 'क्ष', '\u0e01\u0e33', 'ก\u0e31',
	'\u00ad', 'a\u00ad', '\u2065', 'a\u2065b', '\ufff0x', 'a\u1ac0', 'a\u0ebab', 'a\u1b35', 'a\u1cf2',
	'👩🏽\u200d🚀', '✌🏿', '☝🏻', '⛹🏾\u200d♀️', '🏌️\u200d♂️', '\u061c\u064b', 'a\u200c\u0301', '🏻🏻',
	'\r\u0301', '\n🏻', '\r\n\r\n', 'a\r\nb', '🇦', '🇦🇧🇨🇩🇪', 'x🇦🇧', '\u0600\u0301', '\u0600\r',
];
for (const q of QUIRKS) {
	add('grapheme-quirk', q);
	add('grapheme-quirk', D(66) + q + D(6));
	add('grapheme-quirk', q.repeat(Math.max(1, Math.floor(72 / q.length))));
}
const CLASS_REPS = ['a', 'Z', ' ', '\u0301', '\u0308', '\u200d', '🇺', '🇸', '\u0600', '\u0903', '\u1100',
	'\u1161', '\u11a8', '\uac00', '\uac01', '👍', '👨', '👩', '🏻', '🏿', '❤', '🌈', '\u0001', '\u0085', '\r', '\n',
	'🥲', '😀', '\ufe0f', '\u200c', '©', '\u2764', '\u0e33', '\u1ac0', '\u2065', 'é', '€'];
for (let i = 0; i < 400; i++) add('grapheme-random', fromPool(CLASS_REPS, 1 + ri(i < 300 ? 24 : 90)));

// ---------------------------------------------------------------- run the calculator
function run(body, smart) {
	const m = new SegmentedMessage(body, 'auto', smart);
	const bits = m.encodingName === 'GSM-7' ? 7 : 16;
	const parts = m.segments.map((seg) => Array.from(seg).filter((c) => c.raw !== undefined).map((c) => c.raw).join(''));
	return {
		body: m.graphemes.join(''),
		encoding: m.encodingName,
		segments: m.segmentsCount,
		chars: m.graphemes.length,
		units: m.messageSize / bits,
		part_lengths: parts.map((p) => [...p].length),
	};
}

let id = 0;
for (const { category, body } of out) {
	if (body.includes('\u0000')) throw new Error('NUL in body');
	const a = run(body, false);
	const b = run(body, true);
	if (a.body !== body) throw new Error('graphemes do not join back to the body');
	if (!Number.isInteger(a.units) || !Number.isInteger(b.units)) throw new Error('fractional units');
	const same = b.body === body;
	process.stdout.write(JSON.stringify({
		id: ++id, category, body,
		encoding: a.encoding, segments: a.segments, chars: a.chars, units: a.units,
		part_lengths: a.part_lengths,
		smart_body: same ? undefined : b.body,
		smart_encoding: b.encoding, smart_segments: b.segments,
		smart_chars: same ? undefined : b.chars,
		smart_units: same ? undefined : b.units,
		smart_part_lengths: same ? undefined : b.part_lengths,
	}) + '\n');
}

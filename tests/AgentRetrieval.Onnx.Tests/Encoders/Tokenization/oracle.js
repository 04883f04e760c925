// The reference tokenizer (Hugging Face tokenizers, the Rust library, through the npm package @anush008/tokenizers)
// on strings across scripts, compatibility characters, emoji sequences, control characters and long texts.
// Usage: node oracle.js <module folder> <tokenizer.json>...   prints {file: [{text, ids}]} as JSON.
const path = require('path');
const { Tokenizer } = require(path.resolve(process.argv[2]));
const strings = [
  'chien sur la plage', 'Ein Hund läuft am Strand', 'perro corriendo en la playa', 'cão na praia ao pôr do sol',
  'собака бежит по пляжу', 'σκύλος στην παραλία ΟΔΟΣ', 'כלב על החוף', 'كلب يركض على الشاطئ', 'समुद्र तट पर कुत्ता दौड़ रहा है',
  'সমুদ্র সৈকতে কুকুর', 'கடற்கரையில் நாய்', 'ชายหาดกับสุนัข', 'ພາສາລາວ', 'ကမ်းခြေ', 'ខ្មែរ', 'ქართული ძაღლი', 'Հայերեն շուն',
  '海辺を走る犬', '浜辺で遊ぶ子供たち', 'ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ', '해변에서 뛰는 강아지', '在海滩上奔跑的狗', '在海灘上奔跑的狗',
  'ﬁnal ﬂight ﬀ', '①②③ ⑴⑵ ㈱ ㍻ ㎏ ㎡', 'Ⅻ ⅷ ¼ ½ ¾ ² ³', 'ｱｲｳ ＡＢＣ ａｂｃ ０１２', '™ © ® ℃ ℉ № ℡',
  'café', 'cafe\u0301', 'e\u0301\u0302\u0303 a\u0308', 'Å Å Å', '한국어 한국어', 'ﾊﾝｸﾞﾙ', '\u1100\u1161\u11A8',
  '👨‍👩‍👧‍👦 family', '🏳️‍🌈 flag', '👍🏽 thumbs', '🇫🇷🇯🇵 flags', '❤️ heart ❤', '1️⃣ keycap', '🐶🐱🐭🐹🐰🦊',
  'tab\there', 'new\nline', 'cr\r\nlf', 'nbsp\u00a0here', 'ideographic\u3000space', 'zero\u200bwidth', 'zwj\u200djoiner',
  'soft\u00adhyphen', 'bidi\u202eevil\u202c', 'fs\u001cgs\u001drs\u001eus\u001f', '  leading and trailing  ', '', ' ', '\t\n',
  'İstanbul IĞDIR ıi', 'Straße STRASSE ß ẞ', 'Ǆǅǆ ǈ', 'ΣΑΣ σας Σ', 'ŉ ǰ ΐ', 'DŽ', 'Ꭰ ꭰ',
  'photo 2019-07-14 18:30 f/2.8 1/250s ISO 100', 'C:\\\\photos\\\\img_001.jpg', 'https://example.com/a?b=c&d=e', 'e-mail: a.b@c.de',
  "don't won't it's we're they've I'm you'll he'd", '<s> special </s> <pad> <unk> <mask> <eos> <bos>', '<unk><unk>',
  '####', '...', '!!!???', '«guillemets» „Anführung“ “quotes” ‘single’', '—–-‒', '¡Hola! ¿Qué tal?', '「こんにちは」、『世界』。',
  'a'.repeat(300), 'ab '.repeat(120), 'the quick brown fox '.repeat(20), '犬'.repeat(100), '🐶'.repeat(70),
  'Mixed 日本語 and English with émojis 🎉 and números 123', '𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 𝔉𝔯𝔞𝔨𝔱𝔲𝔯', 'ｈｅｌｌｏ　ｗｏｒｌｄ', '𠀀𠀁 𪚥 extension B',
  'Ω ω Ω K K Å', 'ﷺ ﷻ', 'ﻻ ﻷ', 'ﭐ ﭑ', 'ǅ', '\u0000null', 'x\u0301\u0301\u0301\u0301\u0301\u0301', '\ud83d\ude00\ufe0f\u20e3',
];
(async () => {
  const out = {};
  for (const file of process.argv.slice(3)) {
    const tokenizer = Tokenizer.fromFile(file);
    out[file] = [];
    for (const text of strings) {
      const encoding = await tokenizer.encode(text, null, { addSpecialTokens: true });
      out[file].push({ text, ids: Array.from(encoding.getIds()) });
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });

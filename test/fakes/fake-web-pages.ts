/**
 * Web pages for web search tests: an article page with the furniture real pages have (navigation, sidebar,
 * footer, scripts, styles), whose paragraphs a reader must keep and whose furniture it must drop.
 */
export const APOLLO_PARAGRAPHS = [
  'Apollo 11 was the American spaceflight that first landed humans on the Moon, on July 20, 1969, in the Sea of Tranquility.',
  'Commander Neil Armstrong and lunar module pilot Buzz Aldrin landed the Apollo Lunar Module Eagle, while Michael Collins flew the command module Columbia in lunar orbit.',
  'Armstrong became the first person to step onto the lunar surface six hours and 39 minutes later, and Aldrin joined him 19 minutes after that.',
  'They spent about two and a quarter hours together outside the spacecraft, and they collected 47.5 pounds of lunar material to bring back to Earth.',
  'The mission fulfilled a national goal proposed in 1961 by President John F. Kennedy, of landing a man on the Moon and returning him safely to Earth.',
];

export const APOLLO_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Apollo 11 | Space History</title>
<script>window.trackingPixel = function () { return 'beacon'; };</script>
<style>.nav { color: red }</style></head>
<body>
<header class="site-header"><nav class="nav"><a href="/">Home</a> <a href="/missions">Missions</a> <a href="/shop">Shop</a></nav></header>
<aside class="sidebar"><h3>Related</h3><ul><li><a href="/gemini">Gemini programme</a></li></ul></aside>
<main><article>
<h1>Apollo 11</h1>
${APOLLO_PARAGRAPHS.map((p) => `<p>${p}</p>`).join('\n')}
<h2>Crew</h2>
<ul><li>Neil Armstrong, commander</li><li>Buzz Aldrin, lunar module pilot</li><li>Michael Collins, command module pilot</li></ul>
</article></main>
<footer class="site-footer">Copyright 2026 Space History. All rights reserved. Cookie settings.</footer>
<script>trackingPixel();</script>
</body></html>`;

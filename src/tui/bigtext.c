/* bigtext.c - the lock panel's big letters: three rows of block
 * characters (or '#' without Unicode), so the state reads from across the
 * room. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

struct glyph {
	char letter;
	const char *rows[3];    /* UTF-8; each row the same width */
	int width;
};

/* Sorted by letter for bsearch. */
static const struct glyph glyphs[] = {
	{'?', {"\u2580\u2580\u2588", " \u2588\u2580", " \u2580 "}, 3},
	{'A', {"\u2588\u2580\u2588", "\u2588\u2580\u2588", "\u2580 \u2580"}, 3},
	{'C', {"\u2588\u2580\u2580", "\u2588  ", "\u2580\u2580\u2580"}, 3},
	{'D', {"\u2588\u2580\u2584", "\u2588 \u2588", "\u2580\u2580 "}, 3},
	{'E', {"\u2588\u2580\u2580", "\u2588\u2580\u2580", "\u2580\u2580\u2580"}, 3},
	{'F', {"\u2588\u2580\u2580", "\u2588\u2580\u2580", "\u2580  "}, 3},
	{'G', {"\u2588\u2580\u2580", "\u2588 \u2588", "\u2580\u2580\u2580"}, 3},
	{'I', {"\u2580\u2588\u2580", " \u2588 ", "\u2580\u2580\u2580"}, 3},
	{'J', {"  \u2588", "  \u2588", "\u2580\u2580\u2580"}, 3},
	{'K', {"\u2588\u2584\u2580", "\u2588\u2580\u2584", "\u2580 \u2580"}, 3},
	{'L', {"\u2588  ", "\u2588  ", "\u2580\u2580\u2580"}, 3},
	{'M', {"\u2588\u2584 \u2584\u2588", "\u2588 \u2580 \u2588", "\u2580   \u2580"}, 5},
	{'N', {"\u2588\u2584 \u2588", "\u2588 \u2580\u2588", "\u2580  \u2580"}, 4},
	{'O', {"\u2588\u2580\u2588", "\u2588 \u2588", "\u2580\u2580\u2580"}, 3},
	{'U', {"\u2588 \u2588", "\u2588 \u2588", "\u2580\u2580\u2580"}, 3},
	{'W', {"\u2588   \u2588", "\u2588 \u2588 \u2588", "\u2580\u2580 \u2580\u2580"}, 5},
};

static int glyph_cmp(const void *key, const void *elem)
{
	return *(const char *)key - ((const struct glyph *)elem)->letter;
}

/* Append row text, turning block characters into '#' without Unicode. */
static void append(char *dst, size_t size, const char *src, bool utf8)
{
	size_t len = strlen(dst);

	if (utf8) {
		snprintf(dst + len, size - len, "%s", src);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)src; *p && len + 1 < size;) {
		if (*p == 0xe2 && p[1] && p[2]) {
			dst[len++] = '#';
			p += 3;
		} else {
			dst[len++] = (char)*p++;
		}
	}
	dst[len] = '\0';
}

bool bigtext_render(const char *word, bool utf8, int width, char rows[3][256])
{
	int w = 0;

	for (int r = 0; r < 3; r++)
		rows[r][0] = '\0';
	for (const char *c = word; *c; c++) {
		char up = (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c;
		const struct glyph *g = bsearch(&up, glyphs, sizeof(glyphs) / sizeof(glyphs[0]),
				sizeof(glyphs[0]), glyph_cmp);

		if (!g)
			g = &glyphs[0];         /* '?' */
		w += g->width + (c != word);
		if (w > width)
			return false;
		for (int r = 0; r < 3; r++) {
			if (c != word)
				append(rows[r], 256, " ", utf8);
			append(rows[r], 256, g->rows[r], utf8);
		}
	}
	return true;
}

/*
 * words.c: the PGP word list (Juola and Zimmermann, PGPfone, 1995) in
 * lower case, and codes made of its words (words.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "words.h"

const char *const words_even[WORDS_COUNT] = {
	"aardvark", "absurd", "accrue", "acme",	/* 0x00 */
	"adrift", "adult", "afflict", "ahead",	/* 0x04 */
	"aimless", "algol", "allow", "alone",	/* 0x08 */
	"ammo", "ancient", "apple", "artist",	/* 0x0c */
	"assume", "athens", "atlas", "aztec",	/* 0x10 */
	"baboon", "backfield", "backward", "banjo",	/* 0x14 */
	"beaming", "bedlamp", "beehive", "beeswax",	/* 0x18 */
	"befriend", "belfast", "berserk", "billiard",	/* 0x1c */
	"bison", "blackjack", "blockade", "blowtorch",	/* 0x20 */
	"bluebird", "bombast", "bookshelf", "brackish",	/* 0x24 */
	"breadline", "breakup", "brickyard", "briefcase",	/* 0x28 */
	"burbank", "button", "buzzard", "cement",	/* 0x2c */
	"chairlift", "chatter", "checkup", "chisel",	/* 0x30 */
	"choking", "chopper", "christmas", "clamshell",	/* 0x34 */
	"classic", "classroom", "cleanup", "clockwork",	/* 0x38 */
	"cobra", "commence", "concert", "cowbell",	/* 0x3c */
	"crackdown", "cranky", "crowfoot", "crucial",	/* 0x40 */
	"crumpled", "crusade", "cubic", "dashboard",	/* 0x44 */
	"deadbolt", "deckhand", "dogsled", "dragnet",	/* 0x48 */
	"drainage", "dreadful", "drifter", "dropper",	/* 0x4c */
	"drumbeat", "drunken", "dupont", "dwelling",	/* 0x50 */
	"eating", "edict", "egghead", "eightball",	/* 0x54 */
	"endorse", "endow", "enlist", "erase",	/* 0x58 */
	"escape", "exceed", "eyeglass", "eyetooth",	/* 0x5c */
	"facial", "fallout", "flagpole", "flatfoot",	/* 0x60 */
	"flytrap", "fracture", "framework", "freedom",	/* 0x64 */
	"frighten", "gazelle", "geiger", "glitter",	/* 0x68 */
	"glucose", "goggles", "goldfish", "gremlin",	/* 0x6c */
	"guidance", "hamlet", "highchair", "hockey",	/* 0x70 */
	"indoors", "indulge", "inverse", "involve",	/* 0x74 */
	"island", "jawbone", "keyboard", "kickoff",	/* 0x78 */
	"kiwi", "klaxon", "locale", "lockup",	/* 0x7c */
	"merit", "minnow", "miser", "mohawk",	/* 0x80 */
	"mural", "music", "necklace", "neptune",	/* 0x84 */
	"newborn", "nightbird", "oakland", "obtuse",	/* 0x88 */
	"offload", "optic", "orca", "payday",	/* 0x8c */
	"peachy", "pheasant", "physique", "playhouse",	/* 0x90 */
	"pluto", "preclude", "prefer", "preshrunk",	/* 0x94 */
	"printer", "prowler", "pupil", "puppy",	/* 0x98 */
	"python", "quadrant", "quiver", "quota",	/* 0x9c */
	"ragtime", "ratchet", "rebirth", "reform",	/* 0xa0 */
	"regain", "reindeer", "rematch", "repay",	/* 0xa4 */
	"retouch", "revenge", "reward", "rhythm",	/* 0xa8 */
	"ribcage", "ringbolt", "robust", "rocker",	/* 0xac */
	"ruffled", "sailboat", "sawdust", "scallion",	/* 0xb0 */
	"scenic", "scorecard", "scotland", "seabird",	/* 0xb4 */
	"select", "sentence", "shadow", "shamrock",	/* 0xb8 */
	"showgirl", "skullcap", "skydive", "slingshot",	/* 0xbc */
	"slowdown", "snapline", "snapshot", "snowcap",	/* 0xc0 */
	"snowslide", "solo", "southward", "soybean",	/* 0xc4 */
	"spaniel", "spearhead", "spellbind", "spheroid",	/* 0xc8 */
	"spigot", "spindle", "spyglass", "stagehand",	/* 0xcc */
	"stagnate", "stairway", "standard", "stapler",	/* 0xd0 */
	"steamship", "sterling", "stockman", "stopwatch",	/* 0xd4 */
	"stormy", "sugar", "surmount", "suspense",	/* 0xd8 */
	"sweatband", "swelter", "tactics", "talon",	/* 0xdc */
	"tapeworm", "tempest", "tiger", "tissue",	/* 0xe0 */
	"tonic", "topmost", "tracker", "transit",	/* 0xe4 */
	"trauma", "treadmill", "trojan", "trouble",	/* 0xe8 */
	"tumor", "tunnel", "tycoon", "uncut",	/* 0xec */
	"unearth", "unwind", "uproot", "upset",	/* 0xf0 */
	"upshot", "vapor", "village", "virus",	/* 0xf4 */
	"vulcan", "waffle", "wallet", "watchword",	/* 0xf8 */
	"wayside", "willow", "woodlark", "zulu",	/* 0xfc */
};

const char *const words_odd[WORDS_COUNT] = {
	"adroitness", "adviser", "aftermath", "aggregate",	/* 0x00 */
	"alkali", "almighty", "amulet", "amusement",	/* 0x04 */
	"antenna", "applicant", "apollo", "armistice",	/* 0x08 */
	"article", "asteroid", "atlantic", "atmosphere",	/* 0x0c */
	"autopsy", "babylon", "backwater", "barbecue",	/* 0x10 */
	"belowground", "bifocals", "bodyguard", "bookseller",	/* 0x14 */
	"borderline", "bottomless", "bradbury", "bravado",	/* 0x18 */
	"brazilian", "breakaway", "burlington", "businessman",	/* 0x1c */
	"butterfat", "camelot", "candidate", "cannonball",	/* 0x20 */
	"capricorn", "caravan", "caretaker", "celebrate",	/* 0x24 */
	"cellulose", "certify", "chambermaid", "cherokee",	/* 0x28 */
	"chicago", "clergyman", "coherence", "combustion",	/* 0x2c */
	"commando", "company", "component", "concurrent",	/* 0x30 */
	"confidence", "conformist", "congregate", "consensus",	/* 0x34 */
	"consulting", "corporate", "corrosion", "councilman",	/* 0x38 */
	"crossover", "crucifix", "cumbersome", "customer",	/* 0x3c */
	"dakota", "decadence", "december", "decimal",	/* 0x40 */
	"designing", "detector", "detergent", "determine",	/* 0x44 */
	"dictator", "dinosaur", "direction", "disable",	/* 0x48 */
	"disbelief", "disruptive", "distortion", "document",	/* 0x4c */
	"embezzle", "enchanting", "enrollment", "enterprise",	/* 0x50 */
	"equation", "equipment", "escapade", "eskimo",	/* 0x54 */
	"everyday", "examine", "existence", "exodus",	/* 0x58 */
	"fascinate", "filament", "finicky", "forever",	/* 0x5c */
	"fortitude", "frequency", "gadgetry", "galveston",	/* 0x60 */
	"getaway", "glossary", "gossamer", "graduate",	/* 0x64 */
	"gravity", "guitarist", "hamburger", "hamilton",	/* 0x68 */
	"handiwork", "hazardous", "headwaters", "hemisphere",	/* 0x6c */
	"hesitate", "hideaway", "holiness", "hurricane",	/* 0x70 */
	"hydraulic", "impartial", "impetus", "inception",	/* 0x74 */
	"indigo", "inertia", "infancy", "inferno",	/* 0x78 */
	"informant", "insincere", "insurgent", "integrate",	/* 0x7c */
	"intention", "inventive", "istanbul", "jamaica",	/* 0x80 */
	"jupiter", "leprosy", "letterhead", "liberty",	/* 0x84 */
	"maritime", "matchmaker", "maverick", "medusa",	/* 0x88 */
	"megaton", "microscope", "microwave", "midsummer",	/* 0x8c */
	"millionaire", "miracle", "misnomer", "molasses",	/* 0x90 */
	"molecule", "montana", "monument", "mosquito",	/* 0x94 */
	"narrative", "nebula", "newsletter", "norwegian",	/* 0x98 */
	"october", "ohio", "onlooker", "opulent",	/* 0x9c */
	"orlando", "outfielder", "pacific", "pandemic",	/* 0xa0 */
	"pandora", "paperweight", "paragon", "paragraph",	/* 0xa4 */
	"paramount", "passenger", "pedigree", "pegasus",	/* 0xa8 */
	"penetrate", "perceptive", "performance", "pharmacy",	/* 0xac */
	"phonetic", "photograph", "pioneer", "pocketful",	/* 0xb0 */
	"politeness", "positive", "potato", "processor",	/* 0xb4 */
	"provincial", "proximate", "puberty", "publisher",	/* 0xb8 */
	"pyramid", "quantity", "racketeer", "rebellion",	/* 0xbc */
	"recipe", "recover", "repellent", "replica",	/* 0xc0 */
	"reproduce", "resistor", "responsive", "retraction",	/* 0xc4 */
	"retrieval", "retrospect", "revenue", "revival",	/* 0xc8 */
	"revolver", "sandalwood", "sardonic", "saturday",	/* 0xcc */
	"savagery", "scavenger", "sensation", "sociable",	/* 0xd0 */
	"souvenir", "specialist", "speculate", "stethoscope",	/* 0xd4 */
	"stupendous", "supportive", "surrender", "suspicious",	/* 0xd8 */
	"sympathy", "tambourine", "telephone", "therapist",	/* 0xdc */
	"tobacco", "tolerance", "tomorrow", "torpedo",	/* 0xe0 */
	"tradition", "travesty", "trombonist", "truncated",	/* 0xe4 */
	"typewriter", "ultimate", "undaunted", "underfoot",	/* 0xe8 */
	"unicorn", "unify", "universe", "unravel",	/* 0xec */
	"upcoming", "vacancy", "vagabond", "vertigo",	/* 0xf0 */
	"virginia", "visitor", "vocalist", "voyager",	/* 0xf4 */
	"warranty", "waterloo", "whimsical", "wichita",	/* 0xf8 */
	"wilmington", "wyoming", "yesteryear", "yucatan",	/* 0xfc */
};

const char *const *
words_table(size_t pos)
{
	return (pos % 2) == 0 ? words_even : words_odd;
}

static int
eq_nocase(const char *w, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' ||
		    tolower((unsigned char)w[i]) != word[i])
			return 0;
	return word[len] == '\0';
}

int
words_lookup(const char *w, size_t len, size_t pos)
{
	const char *const *t = words_table(pos);
	int i;

	if (len == 0 || len > WORDS_MAX_LEN)
		return -1;
	for (i = 0; i < WORDS_COUNT; i++)
		if (eq_nocase(w, len, t[i]))
			return i;
	return -1;
}

/* Optimal string alignment distance (adjacent swaps count one), capped:
 * both strings are at most WORDS_MAX_LEN + 2 long here. */
static int
distance(const char *a, size_t la, const char *b, size_t lb)
{
	int d[WORDS_MAX_LEN + 3][WORDS_MAX_LEN + 3];
	size_t i, j;
	int c, v;

	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			c = tolower((unsigned char)a[i - 1]) != b[j - 1];
			v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) ==
			    b[j - 2] && tolower((unsigned char)a[i - 2]) ==
			    b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *
words_suggest(const char *w, size_t len, size_t pos)
{
	const char *const *t = words_table(pos);
	const char *best = NULL;
	int i, bd = 3, dd;
	size_t wl;

	if (len == 0 || len > WORDS_MAX_LEN + 2)
		return NULL;
	for (i = 0; i < WORDS_COUNT; i++) {
		wl = strlen(t[i]);
		if (wl > len + 2 || wl + 2 < len)
			continue;
		if ((dd = distance(w, len, t[i], wl)) < bd) {
			bd = dd;
			best = t[i];
		}
	}
	return best;
}

int
words_prefix(const char *word, const char *p, size_t len)
{
	size_t j;

	for (j = 0; j < len; j++)
		if (tolower((unsigned char)p[j]) != word[j])
			return 0;
	return 1;
}

size_t
words_complete(const char *prefix, size_t len, size_t pos,
    const char **first)
{
	const char *const *t = words_table(pos);
	size_t i, n = 0;

	*first = NULL;
	for (i = 0; i < WORDS_COUNT; i++)
		if (words_prefix(t[i], prefix, len) && n++ == 0)
			*first = t[i];
	return n;
}

void
words_format(char *out, size_t outlen, uint32_t slot, const uint8_t *bytes,
    size_t n)
{
	size_t i, off;
	int k;

	if (outlen == 0)
		return;
	k = snprintf(out, outlen, "%lu", (unsigned long)slot);
	off = k < 0 ? 0 : (size_t)k;
	for (i = 0; i < n && off < outlen; i++) {
		k = snprintf(out + off, outlen - off, "-%s",
		    words_table(i)[bytes[i]]);
		if (k < 0)
			break;
		off += (size_t)k;
	}
}

int
words_is_code(const char *s)
{
	size_t i = 0;

	while (isdigit((unsigned char)s[i]))
		i++;
	return i > 0 && s[i] == '-' && isalpha((unsigned char)s[i + 1]);
}

int
words_parse(const char *code, uint32_t *slot, uint8_t *bytes, size_t *n,
    char *why, size_t whylen)
{
	const char *p = code, *w, *sug;
	unsigned long v = 0;
	size_t len, pos = 0;
	int b;

	*slot = 0;
	*n = 0;
	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > WORDS_MAX_SLOT)
			goto bad;
	}
	if (v == 0 || *p != '-')
		goto bad;
	while (*p == '-') {
		w = ++p;
		while (*p != '\0' && *p != '-')
			p++;
		len = (size_t)(p - w);
		if (pos == WORDS_MAX) {
			snprintf(why, whylen, "a code has at most %d words",
			    WORDS_MAX);
			return ERR_FORMAT;
		}
		if ((b = words_lookup(w, len, pos)) < 0) {
			if (len > WORDS_MAX_LEN + 2)
				len = WORDS_MAX_LEN + 2;
			if (words_lookup(w, len, pos + 1) >= 0)
				snprintf(why, whylen, "'%.*s' is not a code "
				    "word in place %zu (the words alternate "
				    "between two lists: check their order)",
				    (int)len, w, pos + 1);
			else if ((sug = words_suggest(w, len, pos)) != NULL)
				snprintf(why, whylen, "'%.*s' is not a code "
				    "word; did you mean '%s'?", (int)len, w,
				    sug);
			else
				snprintf(why, whylen, "'%.*s' is not a code "
				    "word", (int)len, w);
			return ERR_FORMAT;
		}
		bytes[pos++] = (uint8_t)b;
	}
	if (*p != '\0' || pos < WORDS_MIN) {
		if (*p == '\0')
			snprintf(why, whylen, "a code has at least %d words "
			    "(NUMBER-WORD-WORD)", WORDS_MIN);
		else
			goto bad;
		return ERR_FORMAT;
	}
	*slot = (uint32_t)v;
	*n = pos;
	return 0;
 bad:
	snprintf(why, whylen, "'%s' is not a code (NUMBER-WORD-WORD, for "
	    "instance 7-aardvark-adroitness)", code);
	return ERR_FORMAT;
}

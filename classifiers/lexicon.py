r"""Cue words per concept, in English, Dutch, French and German.

The model is trained on a few thousand seed items; these cues give it features that are shared
across languages and spellings (Dutch compounds such as "bermbom" or "zelfmoordaanslag" included),
so a cue learnt from English items also fires on Dutch ones. The same cues name the reason in
`Prediction.why`. Text is lower-cased and split into words (hyphenated compounds stay one word);
a single-word pattern must match a whole word, so stems are written `bomb\w*`; phrases are literal
and their last word matches as a prefix.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

# Fire traded between two armed sides (labels.md: fighting between armed forces or groups).
FIRE_EXCHANGE_WORDS: Final = (
    r"gunfights?\b", r"vuurgevecht\w*", r"feuergefecht\w*", r"schusswechsel\w*",
)

# concept -> regular expressions for one word each (no groups).
CUES: Final[dict[str, tuple[str, ...]]] = {
    "kidnapping": (
        r"kidnap\w*", r"abduct\w*", r"hostages?\b", r"hostage-taking", r"ransoms?\b",

        r"\w*ontvoer\w*", r"\w*gijzel\w*", r"gegijzeld\w*", r"losgeld\w*", r"verdwijning",
        r"enlev\w*", r"otages?\b", r"rançon\w*", r"kidnapp\w*",
        r"entführ\w*", r"geisel\w*", r"verschlepp\w*", r"lösegeld\w*",
    ),
    "bombing": (
        # "firebomb", "petrol-bomb" but not "bombshell"; "exploded", "explosive" but not "exploration".
        r"\w*bomb(?:s|ed|ers?|ings?)?\b", r"bombard(?:ment|ments|ed|ing)\b", r"explo(?:d|s)\w*",
        r"blasts?\b", r"ieds?\b",
        r"grenade\w*", r"landmines?", r"mines?\b", r"rockets?\b", r"mortars?\b", r"shell(?:ing|ed|s)\b",
        r"missiles?\b", r"detonat\w*", r"airstrikes?",
        r"\w*bom(?:men|aanslag\w*)?\b", r"\w*explosie\w*", r"zelfmoordaanslag\w*", r"\w*bermbom\w*",
        r"granaat\w*", r"\w*raket\w*", r"mortier\w*", r"\w*luchtaanval\w*", r"ontplof\w*",
        r"beschieting\w*", r"bombe\w*", r"attentat\w*", r"kamikaze", r"roquette\w*", r"obus\b",
        r"sprengs\w*", r"selbstmordattentäter\w*", r"luftangriff\w*",
        r"anschl[aä]g\w*", r"aanslag\w*",
        # German and Dutch put the weapon before the attack word in one compound
        # ("Selbstmordanschlag", "Autobombe", "Drohnenangriff", "terreuraanslag"); plain
        # "Anschlag" / "aanslag" stay bombing cues as before.
        r"\w*(?:bomben|sprengstoff|selbstmord|terror)anschl[aä]g\w*", r"\w*bomben?\b",
        r"\w*(?:drohnen|raketen|granat|mörser)angriff\w*", r"\w*(?:terreur|zelfmoord)aanslag\w*",
        # War-report words for strikes from the air or by guns (labels.md: shelling, air strikes).
        r"artiller\w*", r"warplanes?", r"gevechtsvliegtuig\w*", r"bombardement\w*",
        r"gebombardeerd", r"bombardeer\w*", r"\w*granaten\b", r"landmijn\w*", r"droneaanval\w*",
    ),
    "armed_attack": (
        r"gunm[ae]n\b", r"gunfire", r"shot\b", r"shoot\w*",
        r"storm(?:ed|ing)\b", r"stabb\w*", r"knife\w*", r"attack\w*", r"assault\w*",
        r"massacre\w*", r"arson\w*", r"torch(?:ed|ing)\b", r"ambush\w*",
        r"machete\w*",
        r"schutter\w*", r"\w*schietpartij\w*", r"beschoten", r"\w*geschoten", r"bestorm\w*",
        r"steekpartij\w*", r"neergestoken", r"\w*aanval\w*", r"gewapende\w*", r"bloedbad\w*",
        r"hinderlaag", r"fusillade\w*", r"tireurs?\b",
        r"armés?\b", r"poignard\w*", r"schüsse\w*", r"schütze\w*", r"bewaffnete\w*",
        r"messer\w*", r"\w*angriff\w*", r"überfall\w*", r"attaque\w*",
        r"\w*(?:brand|messer)anschl[aä]g\w*", r"\w*(?:brand|mes)aanslag\w*", r"attacke\w*",
        r"\w*schießerei\w*", r"erschoss\w*", r"erstochen", r"schusswaffe\w*",
    ),
    "assassination": (
        r"assassin\w*",
        r"liquid\w*", r"moordaanslag\w*", r"kleefbom\w*", r"magneetbom\w*", r"assassinat\w*",
        r"mordanschlag\w*", r"ermordet\w*",
    ),
    "official": (
        r"governor\w*", r"judges?\b", r"officials?\b", r"mayor\w*", r"journalists?\b",
        r"reporters?\b", r"activists?\b", r"clerics?\b", r"imams?\b", r"mullah\w*",
        r"lawmakers?\b", r"mps?\b", r"prosecutor\w*", r"commander\w*",
        r"elders?\b", r"candidates?\b", r"ministers?\b", r"politicians?\b",
        r"leaders?\b", r"gouverneur\w*", r"rechters?\b", r"burgemeester\w*",
        r"ambtena\w*", r"journalist\w*", r"activist\w*", r"geestelijke\w*", r"politicus",
        r"politici", r"officier\w*", r"juges?\b", r"maire\w*", r"richter\w*", r"bürgermeister\w*",
        r"beamte\w*",
        # Roles that make a killing targeted (labels.md: chosen for who they are).
        r"vice-presidents?", r"presidents?", r"doctors?", r"lecturers?", r"professors?",
        r"superintendents?", r"scholars?", r"lawyers?", r"sarpanch\w*", r"analysts?",
        r"mediators?", r"sheikhs?", r"commissioners?", r"chairman", r"chairwoman", r"chairs?",
        r"ambassadors?", r"broadcasters?", r"presenters?", r"anchors?", r"editors?",
        r"councillors?", r"councilors?", r"deputy", r"spokes(?:man|woman|person)",
        r"priests?", r"bishops?", r"pastors?", r"preachers?", r"bloggers?", r"informants?",
        r"defenders?", r"campaigners?", r"governors?", r"envoys?", r"senators?", r"chiefs?",
        r"media", r"mps\b", r"voorzitter\w*", r"presentat\w*", r"commandant\w*",
        r"\w*oudste\w*", r"aanklager\w*", r"parlementslid\w*", r"\w*activist\w*",
        r"\w*functionaris\w*", r"hoofd\w*", r"arts", r"artsen", r"\w*kandida\w*",
        r"advocaa?t\w*", r"hoofdredacteur\w*", r"predikant\w*", r"\w*leider\w*", r"priester\w*",
        r"sjeik\w*", r"procureurs?", r"chefs?", r"religieu\w*", r"préfets?",
        r"candidat\w*", r"députés?", r"\w*ältester?", r"geistliche\w*", r"\w*chef\w*",
        r"aktivist\w*", r"anführer\w*", r"imame[n]?", r"ayatollah\w*", r"rector\w*",
        r"wethouder\w*", r"gedeputeerde\w*",
        # Council members: "raadslid", "gemeenteraadsleden", "councilman".
        r"\w*raadsl(?:id|eden)\b", r"councilm[ae]n\b",
        r"councilwom[ae]n\b", r"ministers?", r"minister\w*", r"maire\w*",
        r"juge\w*", r"journaliste\w*", r"richter\w*", r"reporter\w*",
    ),
    "armed_clash": (
        r"clash\w*", r"fighting\b", r"battl\w*", r"offensive\w*", r"troops\b", r"insurgents?\b",
        r"recaptur\w*", r"retak\w*", r"retook", r"overr[au]n\b", r"firefight\w*",
        r"militants?\b", r"fighters\b",
        r"\w*gevecht\w*", r"strijd\w*", r"versla\w*",
        r"offensief\w*", r"veroverd\w*", r"herover\w*", r"troepen\w*", r"strijders?\b",
        r"militanten\b", r"opstandelingen\b", r"combats?\b", r"affrontements?\b", r"offensive\b",
        r"kämpf\w*", r"\w*gefecht\w*", r"erober\w*", r"truppen\w*", r"kämpfer\w*",
        # Ground taken or held (labels.md: a group seizing territory, an attack beaten off).
        r"captur\w*", r"repel(?:s|led|ling)\b", r"repuls(?:ed|es|ing)\b", r"opgerukt",
        r"oprukk\w*", r"teruggedrongen", r"teruggeslagen", r"afgeslagen",
        *FIRE_EXCHANGE_WORDS,
    ),
    "unrest": (
        r"protest\w*", r"demonstrat\w*", r"riot\w*", r"rall(?:y|ies)\b",
        r"march(?:ed|ers)\b", r"unrest", r"curfew",
        r"strikers?\b", r"mob\b", r"looting", r"betog\w*", r"demonstr\w*", r"\w*rellen\b",
        r"relschop\w*", r"traangas", r"oproer\w*", r"waterkanon\w*", r"onlusten", r"manifest\w*",
        r"émeute\w*", r"krawall\w*", r"tränengas", r"unruhen", r"sit-ins?", r"sitzblockade\w*",
    ),
    "crime": (
        r"robber\w*", r"robbed", r"carjack\w*", r"theft\w*", r"thie(?:f|ves)\b", r"murder\w*",
        r"gangs?\b", r"arrest\w*", r"plot\w*", r"foil\w*", r"smuggl\w*", r"burglar\w*",
        r"extortion\w*", r"detain\w*", r"overval\w*", r"berov\w*", r"\w*moord\w*", r"bende\w*",
        r"gearresteerd", r"aangehouden", r"aanhouding\w*", r"verdachten?\b", r"\w*terreurverdachte\w*",
        r"suspects\b", r"opgepakt", r"verijdeld", r"complot\w*", r"arrestat\w*",
        r"braquage\w*", r"meurtr\w*", r"arrêt[ée]s?\b", r"déjoué\w*",
        # "Raub", "Raubüberfall", but not "Raubbau" (overexploitation).
        r"raub(?:e|es|s|überf\w*|mord\w*|tat\w*|zug\w*)?\b", r"\w*räuber\w*", r"mord\b",
        r"festgenommen", r"vereitelt",
    ),
    "killed": (
        r"killed\b", r"kill(?:s|ing)?\b", r"dead\b", r"died\b", r"deaths?\b",
        r"slain", r"murdered", r"massacred", r"executed", r"beheaded", r"bodies\b", r"fatalit\w*",
        r"lives\b", r"gedood\w*", r"doden\b", r"dode\b", r"omgekomen",
        r"vermoord\w*", r"dodelijke", r"gesneuveld\w*", r"sneuvelden", r"doodgeschoten",
        r"dodental", r"lichamen", r"lijken", r"tués?\b", r"tuées?\b", r"morts?\b", r"assassinés?\b",
        r"getötet\w*", r"tote\w*\b", r"starben", r"erschoss\w*", r"erstochen", r"todesopfer\w*",
    ),
    "injured": (
        r"injur\w*", r"wound\w*", r"hurt\b", r"casualt\w*", r"gewond\w*", r"verwond\w*",
        r"blessés?\b", r"blessées?\b", r"verletz\w*", r"verwundet\w*",
    ),
    "victim_foreign": (
        r"foreigners?", r"expats?\b", r"expatriates?\b", r"humanitarian\w*", r"peacekeepers?",
        r"diplomats?\b", r"ambassadors?\b", r"journalists?\b", r"reporters?\b", r"tourists?\b",
        r"buitenlanders?", r"hulpverlen\w*", r"vn-(?:medewerker|personeel|konvooi|functionaris)\w*",
        r"diplomaten", r"journalisten",
        r"toeristen", r"étrangers?\b", r"humanitaires?\b", r"diplomates?\b", r"journalistes?\b",
        r"ausländ\w*", r"helfer\w*", r"diplomaten\w*", r"journalisten\w*",
        r"icrc", r"msf\b",
    ),
    "target_foreign": (
        # "ambassade" but not "ambassadeur": an ambassador is a person, not a place attacked.
        r"embass\w*", r"consulat\w*", r"ambassade(?!ur)\w*", r"consulaat\w*", r"botschaft\w*",
        r"konsulat\w*", r"hotels?\b", r"hôtels?\b", r"guesthouse\w*",


        r"vn-(?:kantoor|compound|missie)", r"diplomatenviertel\w*",
    ),
    "unharmed": (
        r"unharmed", r"unhurt",
        r"ongedeerd",
        r"unverletzt",
    ),
    "violent": (
        r"clash\w*", r"riot\w*",
        r"stones?\b", r"looting", r"torched", r"violent\w*", r"fired\b",
        r"traangas", r"waterkanon\w*", r"rellen", r"geweld\w*", r"stenen",
        r"violences?", r"tränengas", r"gewalt\w*", r"armed\b", r"gewapend\w*", r"gunpoint",

    ),
    "accident": (
        r"accident\w*", r"crash\w*", r"derail\w*", r"collision\w*", r"collaps\w*",
        r"landslides?", r"earthquakes?", r"quake", r"floods?", r"flooding", r"storms?",
        r"wildfires?", r"avalanche\w*", r"maintenance", r"ransomware", r"cyber\w*", r"hack\w*",
        r"ongeval\w*", r"ongeluk\w*", r"ontspoor\w*", r"ingestort", r"instort\w*",
        r"aardbeving\w*", r"overstroming\w*", r"noodweer", r"aardverschuiving\w*",
        r"séisme\w*", r"inondation\w*", r"unfall\w*", r"unglück\w*", r"erdbeben\w*",
        r"überschwemmung\w*", r"entgleis\w*", r"blaze\w*", r"flames", r"tankers?",
        r"kortsluiting", r"gaslek\w*", r"gasexplosie\w*", r"gasexplosion\w*", r"incendie\w*",
        r"obituar\w*", r"boilers?", r"furnaces?", r"fireworks?", r"firecrackers?",
        r"propane", r"chemiefabrie?k\w*", r"chemiewerk\w*", r"gasfles\w*",
        r"volcan\w*", r"eruptions?", r"tsunamis?", r"overleden", r"overlijden", r"verstorben", r"décès",
    ),
    "reaction": (
        r"urges?", r"warns?", r"warning", r"condemn\w*", r"vows?", r"denies", r"denied",
        r"remarks?", r"slams", r"criticis\w*", r"criticiz\w*", r"accuses", r"demands?",
        r"pledges?", r"promises?", r"charged", r"jailed", r"guilty", r"inquest", r"appeal\w*",
        r"tribute\w*", r"mourn\w*", r"remember\w*", r"funeral\w*", r"obituar\w*",
        r"eist", r"waarschuwt", r"veroordeelt", r"belooft", r"ontkent", r"beschuldigt",
        r"celstraf\w*", r"schuldig", r"hoger beroep", r"condamn\w*", r"appelle", r"dénonce\w*",
        r"warnt", r"verurteil\w*", r"fordert", r"kritisiert",
    ),
    "negative_context": (
        r"talks\b", r"peace\w*", r"elections?\b", r"anniversar\w*", r"trial\b", r"sentenc\w*",
        r"verdict\w*", r"memorial\w*", r"commemorat\w*", r"court\b", r"convicted", r"acquitt\w*",
        r"match\b", r"season\b", r"league\b", r"cup\b", r"goals?\b", r"earthquake\w*", r"flood\w*",
        r"crash\w*", r"accident\w*", r"film\b", r"movie\w*", r"novel\b", r"shares\b", r"stocks?\b",
        r"takeover\w*", r"gesprek\w*", r"vrede\w*", r"verkiezing\w*", r"herdenk\w*", r"proces\b",
        r"rechtbank\w*", r"veroordeeld", r"wedstrijd\w*", r"aardbeving\w*", r"overstroming\w*",
        r"ongeluk\w*", r"pourparlers", r"paix\b", r"élections?\b", r"procès", r"gespräch\w*",
        r"frieden\w*", r"wahl\w*", r"prozess\w*", r"gericht\w*", r"negotiat\w*", r"onderhandel\w*",
        r"investigat\w*", r"inquiry", r"report\b", r"vaccin\w*", r"covid\w*", r"pandemic",
        # Fiction and sport in German and Dutch: a "Mord" in a "Tatort" episode is no incident.
        r"krimi\w*", r"tatort\w*", r"komödie\w*", r"spielfilm\w*", r"thriller\w*",
        r"(?:fernseh|tv|krimi|netflix|dramen)-?serie\w*", r"saison\w*", r"liga\b", r"bundesliga\w*",
        r"speelfilm\w*", r"misdaadserie\w*", r"komedie\w*", r"seizoen\w*", r"competitie\w*",
    ),
}


# A killing for what the victim did or was ("killed for working at a TV station", "vermoord
# vanwege haar werk"): labels.md's assassination, a person chosen for who they are.
_FOR_WHO_THEY_ARE: Final = tuple(
    f"{verb} {reason}"
    for verb in ("killed", "murdered", "shot", "slain", "targeted")
    for reason in ("for being", "for working", "for refusing", "for speaking", "for reporting",
                   "for criticis", "for criticiz", "for writing", "for teaching", "for defending",
                   "for campaigning", "for their work", "for his work", "for her work",
                   "for their role", "for his role", "for her role", "because of their work",
                   "because of his work", "because of her work")
) + tuple(
    f"{verb} {reason}"
    for verb in ("vermoord", "gedood", "doodgeschoten", "omgebracht")
    for reason in ("vanwege hun werk", "vanwege haar werk", "vanwege zijn werk", "om hun werk",
                   "om haar werk", "om zijn werk", "omdat ze werkte", "omdat zij werkte",
                   "omdat hij werkte")
)

# Fire exchanged by two armed sides: an armed clash, and no sign that one side chose its victim.
EXCHANGE_OF_FIRE: Final = (
    "exchange of fire", "exchanges of fire", "exchanged fire", "exchanging fire", "exchange fire",
    "exchanges fire", "exchanged heavy fire", "traded fire",
    "trading fire", "in an encounter", "during an encounter", "killed in encounter",
    "encounter broke out", "encounter with security forces", "encounter with police",
    "encounter with the police", "gun battle", "échange de tirs", "échanges de tirs",
)

# Multi-word cues, literal; the last word matches as a prefix ("aid worker" finds "aid workers").
PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "kidnapping": ("taken captive", "taken hostage", "forcibly disappeared", "in captivity",
                   "held hostage", "kept captive",
                   "enforced disappearance", "held captive", "prise d otage"),
    "bombing": ("suicide bomb", "suicide attack", "air strike", "drone strike", "frappe aérienne",
                "frappes aériennes", "car bomb", "truck bomb", "roadside bomb", "blew up",
                "blown up", "blow up", "blowing up", "blows up", "went off", "air raid",
                "helicopter gunship", "blew himself", "blew themselves", "blew herself", "goes off"),
    "armed_attack": ("opened fire", "open fire", "opens fire", "opened indiscriminate fire",
                     "opened indiscriminately", "opened heavy fire", "opened random fire",
                     "hacked to death", "set fire", "set on fire",
                     "set alight", "set ablaze", "burned alive", "burnt alive", "levend verbrand",
                     "mounted the curb", "mounted the kerb", "mounted the pavement",
                     "mounted the sidewalk", "car ramming", "vehicle ramming",
                     "armed men", "in brand gestoken", "hommes armés", "vuur geopend",
                     "het vuur", "feuer eröffnet", "eröffneten das feuer", "eröffnete das feuer",
                     "das feuer eröffnet"),
    "assassination": ("targeted killing", "sticky bomb", "magnetic bomb", "hit man", "hit men",
                      *_FOR_WHO_THEY_ARE),
    "official": ("police chief", "tribal elder", "district chief", "district governor"),
    "armed_clash": ("front line", "military operation", "security forces", "seized control",
                    "took control", "taken control", "in handen van", "advanced to",
                    "advanced on", "advanced into", "advancing on", "advancing to", "advancing into",
                    "fended off", "beat back", "beaten back", "drove out", "driven out",
                    "regained control", "recovered control", "took back", "taken back",
                    "taken over", "rukken op", "rukt op", "rukten op", "rukte op",
                    # South Asian English calls a gunfight between police or troops and
                    # militants an "encounter"; a meeting is never "killed in an encounter".
                    *EXCHANGE_OF_FIRE),
    "unrest": ("tear gas", "water cannon", "rubber bullet", "gaz lacrymogène"),
    "killed": ("death toll", "om het leven", "ums leben", "shot dead", "stabbed to death",
               "beaten to death", "burned to death", "gunned down", "hacked to death",
               "succumbed to", "burned alive", "burnt alive", "levend verbrand"),
    "victim_foreign": ("foreign national", "foreign worker", "foreign employee", "foreign staff",
                       "foreign citizen", "foreign journalist", "foreign tourist",
                       "foreign engineer", "foreign contractor", "foreign aid worker",
                       "aid worker", "ngo worker", "ngo staff", "un worker", "un staff",
                       "un employee", "un peacekeeper", "un convoy", "red cross", "rode kruis",
                       "doctors without borders", "artsen zonder grenzen", "buitenlandse medewerker",
                       "buitenlandse werknemer", "buitenlandse journalist", "buitenlandse toerist",
                       "buitenlandse hulpverlener", "buitenlandse burger", "buitenlandse ingenieur"),
    "target_foreign": ("guest house", "un compound", "un office", "un mission", "un base",
                       "international organisation", "international organization",
                       "ngo office", "ngo compound", "diplomatic quarter", "diplomatic area",
                       "diplomatic zone", "diplomatic compound", "green zone", "diplomatieke wijk",
                       "diplomatieke zone", "quartier diplomatique"),
    "accident": ("gas leak", "gas explosion", "caught fire", "fire broke out", "short circuit",
                 "dies at", "died at", "died aged", "natural causes", "off the tracks",
                 "off the rails", "off the road", "uit de rails",
                 # Blasts of stored chemicals, fuel or gas: industrial accidents (labels.md: none).
                 "chemical plant", "chemical factory", "chemical warehouse", "chemicals plant",
                 "gas cylinder", "cooking gas", "ammonium nitrate", "storage tank",
                 "industrial accident", "chemische fabriek", "usine chimique"),
    "unharmed": ("no one", "no casualties", "no injuries", "no deaths", "nobody was",
                 "geen doden", "geen gewonden", "geen slachtoffers", "niemand raakte",
                 "niemand werd", "niemand is", "niemand gewond", "raakte niemand", "werd niemand",
                 "sain et sauf",
                 "saine et sauve", "sains et saufs", "keine toten", "keine verletzten"),
    "violent": ("tear gas", "water cannon", "rubber bullet", "set fire", "gaz lacrymogène",
                "at knifepoint", "with guns"),
}



# Single words are matched token by token through a cache, many times faster than one big
# alternation scanned across the text; phrases are found through an index of their first words.
LEXICON_LANGUAGES: Final = frozenset({"en", "nl", "fr", "de"})
"""The languages whose cue words this lexicon holds."""
_WORD_RE: Final[re.Pattern[str]] = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SINGLE: Final = {
    concept: re.compile("|".join(f"(?:{p})" for p in alternatives))
    for concept, alternatives in CUES.items()
    if alternatives
}


def _phrase_index() -> dict[str, list[tuple[tuple[str, ...], str, str]]]:
    index: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
    for concept, phrases in PHRASES.items():
        for phrase in phrases:
            words = tuple(phrase.split())
            index.setdefault(words[0], []).append((words[1:], concept, phrase))
    return index


_PHRASE_INDEX: Final = _phrase_index()


# Nine tokens in ten are no cue at all: one pass of every pattern at once tells, before each
# concept's own pattern is tried.
_ANY_SINGLE: Final = re.compile("|".join(f"(?:{p.pattern})" for p in _SINGLE.values()))


@lru_cache(maxsize=200_000)
def token_concepts(token: str) -> tuple[str, ...]:
    """Concepts whose single-word cues match this lower-cased token as a whole."""
    if not _ANY_SINGLE.fullmatch(token):
        return ()
    return tuple(c for c, pattern in _SINGLE.items() if pattern.fullmatch(token))


PhraseStarts = list[tuple[tuple[str, ...], str, str]]
TokenCues = tuple[tuple[str, ...], PhraseStarts | None] | None
_MEMO_LIMIT: Final = 200_000


class _TokenCueMemo(dict[str, TokenCues]):
    """token -> (its concepts, phrases it starts), None for the nine tokens in ten that are neither.

    A dict looked up through map() costs a fraction of a Python-level call per token, and the
    classifier looks up every token of every item; bounded like the lru_cache it stands beside."""

    def __missing__(self, token: str) -> TokenCues:
        concepts = token_concepts(token)
        starts = _PHRASE_INDEX.get(token)
        cues = (concepts, starts) if concepts or starts else None
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        self[token] = cues
        return cues


_TOKEN_CUES: Final = _TokenCueMemo()


_RECENT_TEXTS: Final = 4096
"""Headlines and ledes of one classifier batch (2,048 items)."""
Hit = tuple[int, str, str]
"""(token position, concept, matched text)."""


def _token_hits(tokens: list[str]) -> list[Hit]:
    """The single-word and phrase cues of a token list, with the position of their first word."""
    found: list[Hit] = []
    for i, cues in enumerate(map(_TOKEN_CUES.__getitem__, tokens)):
        if cues is None:
            continue
        concepts, starts = cues
        token = tokens[i]
        for concept in concepts:
            found.append((i, concept, token))
        if starts is None:
            continue
        for rest, concept, phrase in starts:
            n = len(rest)
            tail = tokens[i + 1 : i + 1 + n]
            if len(tail) == n and tail[:-1] == list(rest[:-1]) and tail[-1].startswith(rest[-1]):
                found.append((i, concept, phrase))
    return found


# Attack words that an explosive weapon before them ("rocket attack", "bomb attack",
# "raketaanval") makes a bombing: labels.md's armed_attack is a non-explosive attack.
_GOES_OFF: Final = frozenset({"went off", "goes off"})
_ATTACK_WORD: Final = re.compile(r"attack\w*|assault\w*|\w*aanval\w*|\w*angriff\w*|attaque\w*")


def _explosive_attacks(found: list[Hit]) -> list[Hit]:
    """Drop the armed_attack reading of an attack word that an explosive weapon qualifies, and
    the bombing reading of "went off" when a train or a car went off the tracks or the road."""
    off_course = {i for i, concept, text in found if concept == "accident" and text.startswith("off")}
    if off_course:
        found = [
            hit for hit in found
            if not (hit[1] == "bombing" and hit[2] in _GOES_OFF and hit[0] + 1 in off_course)
        ]
    bombing = {i for i, concept, _ in found if concept == "bombing"}
    if not bombing:
        return found
    return [
        hit for hit in found
        if not (hit[1] == "armed_attack" and _ATTACK_WORD.fullmatch(hit[2])
                and (hit[0] in bombing or hit[0] - 1 in bombing))
    ]


# A vehicle driven into people: a ramming attack (labels.md: a non-explosive attack on people).
# A lorry ploughing into traffic or a car into a tree is an accident, so the people or the
# gathering it was driven into must be named.
_INTO_EN: Final = ("into", "through", "down")
_RAM_VERBS: Final[dict[str, tuple[str, ...]]] = {
    **dict.fromkeys(
        ("ploughed", "ploughs", "ploughing", "plowed", "plows", "plowing", "slammed", "slams",
         "slamming", "drove", "drives", "driving", "rammed", "rams", "ramming", "mowed", "mowing",
         "barrelled", "barreled", "barrelling", "barreling", "careered", "careering", "careened",
         "smashed", "smashes"),
        _INTO_EN,
    ),
    # Dutch "reed met zijn auto in op het publiek": "in op" is the separable verb's particle.
    **dict.fromkeys(("rijdt", "reed", "reden", "rijden", "rijdend"), ("in op",)),
    **dict.fromkeys(("fonce", "foncé", "foncée"), ("dans", "sur")),
    **dict.fromkeys(("fuhr", "raste", "rast", "steuerte"), ("in",)),
}
_CROWD: Final = re.compile(
    r"crowds?|pedestrians?|people|famil(?:y|ies)|protesters|demonstrators|marchers|worshippers"
    r"|shoppers|children|students|cyclists|revell?ers|spectators|onlookers|fans|passers-by"
    r"|bystanders|market\w*|parade\w*|procession\w*|carnival\w*|festival\w*|menigte|publiek"
    r"|voetgangers|fietsers|betogers|demonstranten|mensen|gezin\w*|kinderen|\w*markt|terras\w*"
    r"|optocht\w*|stoet|feestvierders|toeschouwers|foule|passants|manifestants"
    r"|menschenmenge|fußgänger\w*|passanten|weihnachtsmarkt"
)
# Dutch writes the verb in one word when it comes last: "op het publiek ingereden".
_RAM_COMPOUND: Final = re.compile(r"ingereden|inrijd\w*|inre(?:e|d)\w*")
_RAM_TEXT: Final = re.compile(r"\b(?:ingereden|inrijd|inree|inred)")
_RAM_REACH: Final = 6


def _driven_into_people(tokens: list[str], i: int) -> str | None:
    """The verb and its particle when the vehicle of tokens[i] is driven into people."""
    window = tokens[i + 1 : i + 1 + _RAM_REACH]
    for particle in _RAM_VERBS[tokens[i]]:
        words = particle.split()
        for k in range(len(window) - len(words) + 1):
            if window[k : k + len(words)] == words:
                if any(_CROWD.fullmatch(t) for t in window[k + len(words) :]):
                    return f"{tokens[i]} {particle}"
                break
    return None


def _vehicle_ramming(tokens: list[str]) -> list[Hit]:
    """armed_attack cues for a vehicle driven into people ("ploughed into a crowd", "reed in op
    het publiek", "op demonstranten ingereden")."""
    found: list[Hit] = []
    for i, token in enumerate(tokens):
        if token in _RAM_VERBS:
            text = _driven_into_people(tokens, i)
            if text is not None:
                found.append((i, "armed_attack", text))
        elif _RAM_COMPOUND.fullmatch(token):
            around = tokens[max(0, i - _RAM_REACH) : i + _RAM_REACH]
            if any(_CROWD.fullmatch(t) for t in around):
                found.append((i, "armed_attack", token))
    return found


# Accident words that a named attack explains: "a tower collapsed after an airstrike", "the
# bus caught fire when it was hit by a rocket". The cause is an attack word within a few words
# after a word that gives a cause; an explosion or a blast may be a gas leak and explains nothing.
_CAUSE: Final = frozenset(
    {"after", "by", "following", "amid", "in", "from", "when", "na", "nadat", "door", "bij",
     "toen", "nach", "durch", "bei", "après", "par", "lors"}
)
_UNCLEAR_CAUSE: Final = re.compile(r"explo\w*|blasts?|\w*explosie\w*|ontplof\w*|detonat\w*|fire")
_CAUSE_REACH: Final = 4
_SENTENCE_END: Final = re.compile(r"(?<=[.!?;])\s+")


# "Offensive coordinator", "offensive line": a team's attack in American football or basketball,
# not a military offensive.
_SPORT_OFFENSE: Final = frozenset(
    {"coordinator", "coordinators", "line", "lineman", "linemen", "tackle", "tackles", "rebound",
     "rebounds", "rating", "ratings", "playbook"}
)


def _sport_offensives(tokens: list[str], found: list[Hit]) -> list[Hit]:
    """Drop the armed_clash reading of "offensive" when a team's game follows it."""
    return [
        hit for hit in found
        if not (hit[1] == "armed_clash" and hit[2] == "offensive" and hit[0] + 1 < len(tokens)
                and tokens[hit[0] + 1] in _SPORT_OFFENSE)
    ]


def _violence_over_accident(found: list[Hit]) -> list[Hit]:
    """Drop the accident reading of a word that starts a phrase of violence: "hacked to death"
    is a killing with a blade, not a cyber attack."""
    violent = {
        i for i, concept, text in found
        if concept in ("armed_attack", "killed") and " " in text
    }
    if not violent:
        return found
    return [hit for hit in found if not (hit[1] == "accident" and hit[0] in violent)]


def _names_attack_cause(tokens: list[str], found: list[Hit]) -> bool:
    attacks = {
        i for i, concept, text in found
        if concept in ("bombing", "armed_attack") and not _UNCLEAR_CAUSE.fullmatch(text)
        and "accident" not in token_concepts(tokens[i])
    }
    return any(
        tokens[k] in _CAUSE for i in attacks for k in range(max(0, i - _CAUSE_REACH), i)
    )


def _caused_accidents(lowered: str, found: list[Hit]) -> list[Hit]:
    """Drop accident cues in a sentence that names an attack as their cause."""
    concepts = {concept for _, concept, _ in found}
    if "accident" not in concepts or not concepts & {"bombing", "armed_attack"}:
        return found
    caused: set[int] = set()
    start = 0
    for sentence in _SENTENCE_END.split(lowered):
        tokens = _WORD_RE.findall(sentence)
        end = start + len(tokens)
        local = [(i - start, c, t) for i, c, t in found if start <= i < end]
        if _names_attack_cause(tokens, local):
            caused.update(range(start, end))
        start = end
    return [hit for hit in found if not (hit[1] == "accident" and hit[0] in caused)]


# Ground taken, told loosely ("the Taliban are gaining ground", "rebels sweep through three
# districts", "IS wint terrein"): labels.md's armed_clash, a group seizing territory. Markets,
# parties and storms gain ground and sweep through too, so an armed group must be named in the
# same sentence.
_GAINS: Final = tuple(
    tuple(phrase.split())
    for phrase in (
        "gaining ground", "gain ground", "gains ground", "gained ground", "making gains",
        "made gains", "make gains", "makes gains", "territorial gains", "sweep through",
        "sweeps through", "swept through", "sweeping through", "sweep across", "sweeps across",
        "swept across", "sweeping across", "terrein winnen", "terrein wint", "terrein gewonnen",
        "terrein won", "terrein wonnen", "wint terrein", "winnen terrein", "won terrein",
        "wonnen terrein", "opmars",
        "gagnent du terrain", "gagne du terrain", "vormarsch", "rücken vor", "rückten vor",
    )
)
_GAIN_STARTS: Final = frozenset(words[0] for words in _GAINS)
_ARMED_GROUP: Final = re.compile(
    r"taliban|militants?|insurgents?|rebels?|jihadists?|islamists?|troops|army|armies"
    r"|fighters|militias?|militiamen|guerrillas?|separatists?|\w*shabaab|houthis?|isis|isil"
    r"|jihadis|paramilitar\w*|opstandelingen|rebellen|troepen|leger|strijders|milities"
    r"|jihadisten|militanten|soldaten|strijdkrachten|separatisten|rebelles|djihadistes|troupes"
    r"|armée|truppen|armee|kämpfer|dschihadisten|islamisten|miliz\w*"
)


def _ground_gained(lowered: str, tokens: list[str]) -> list[Hit]:
    """armed_clash cues for ground gained in a sentence that names an armed group."""
    found: list[Hit] = []
    start = 0
    for sentence in _SENTENCE_END.split(lowered):
        words = _WORD_RE.findall(sentence)
        if not any(map(_ARMED_GROUP.fullmatch, words)):
            start += len(words)
            continue
        for i, word in enumerate(words):
            if word not in _GAIN_STARTS:
                continue
            for phrase in _GAINS:
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.append((start + i, "armed_clash", " ".join(phrase)))
                    break
        start += len(words)
    return found


# A struggle "for" or "about" something ("kämpft um ihr Amt", "für eine Willkommenskultur
# kämpfen", "strijd om de titel", "strijden voor hun rechten") is a metaphor, not a clash, unless
# the sentence names an armed group or someone killed or hurt ("bei Kämpfen um die Stadt starben").
_STRUGGLE: Final = frozenset(
    {"kämpft", "kämpfte", "kämpften", "kämpfen", "kämpfst", "gekämpft", "strijd", "strijdt",
     "strijden", "strijdend"}
)
_FOR: Final = frozenset({"für", "um", "voor", "om", "gegen", "tegen"})
_FOR_BEFORE: Final = 3
_FOR_AFTER: Final = 7  # German puts the object between the verb and "um": "kämpft ab Montag um"
_HARM: Final = frozenset({"killed", "injured"})


def _metaphoric_struggles(lowered: str, found: list[Hit]) -> list[Hit]:
    """Drop the armed_clash reading of a struggle verb for or about something (see _STRUGGLE)."""
    drop: set[int] = set()
    start = 0
    for sentence in _SENTENCE_END.split(lowered):
        tokens = _WORD_RE.findall(sentence)
        end = start + len(tokens)
        local = [(i - start, c) for i, c, _ in found if start <= i < end]
        armed = any(map(_ARMED_GROUP.fullmatch, tokens)) or any(c in _HARM for _, c in local)
        for i, concept in local:
            if armed or concept != "armed_clash" or tokens[i] not in _STRUGGLE:
                continue
            if not _FOR.isdisjoint(tokens[max(0, i - _FOR_BEFORE) : i + _FOR_AFTER]):
                drop.add(start + i)
        start = end
    return [hit for hit in found if not (hit[1] == "armed_clash" and hit[0] in drop)]


# "slams into", "slammed into": a vehicle's motion, not a reaction ("minister slams plan").
_MOTION: Final = frozenset({"into", "through", "tegen"})


def find_cues(lowered: str) -> list[tuple[str, str]]:
    """(concept, matched text) for the cues in lower-cased text, in order."""
    return list(_cues(lowered))


@lru_cache(maxsize=_RECENT_TEXTS)
def words(lowered: str) -> tuple[str, ...]:
    """The word tokens (letters, hyphenated compounds) of lower-cased text, remembered for the texts
    of the latest batch, which cues and facts both read."""
    return tuple(_WORD_RE.findall(lowered))


@lru_cache(maxsize=_RECENT_TEXTS)
def _cues(lowered: str) -> tuple[tuple[str, str], ...]:
    """find_cues, remembered for the texts of the latest batch: the classifier reads the cues of a
    headline and a lede first to see whether the model is needed at all, then again as features.

    A word may serve several concepts ("journalists" is an official and a protected victim).
    Beyond single words and phrases: an attack word after an explosive weapon is a bombing only,
    a vehicle driven into people is an armed attack, ground gained by an armed group is a clash,
    and an accident word is no cue in a sentence that names an attack as its cause."""
    tokens = list(words(lowered))
    found = _token_hits(tokens)
    if not _RAM_VERBS.keys().isdisjoint(tokens) or _RAM_TEXT.search(lowered):
        found.extend(_vehicle_ramming(tokens))
        found = [
            hit for hit in found
            if not (hit[1] == "reaction" and hit[0] + 1 < len(tokens)
                    and tokens[hit[0] + 1] in _MOTION)
        ]
        found.sort(key=lambda hit: hit[0])
    if not _GAIN_STARTS.isdisjoint(tokens):
        found.extend(_ground_gained(lowered, tokens))
        found.sort(key=lambda hit: hit[0])
    if "offensive" in tokens:
        found = _sport_offensives(tokens, found)
    found = _caused_accidents(lowered, _violence_over_accident(_explosive_attacks(found)))
    if not _STRUGGLE.isdisjoint(tokens):
        found = _metaphoric_struggles(lowered, found)
    return tuple((concept, text) for _, concept, text in found)


_FIRE_EXCHANGED: Final = frozenset(EXCHANGE_OF_FIRE)
_FIRE_WORD: Final = re.compile("|".join(FIRE_EXCHANGE_WORDS))


def fire_exchanged(lowered: str) -> bool:
    """Whether the text tells of fire traded by two armed sides ("killed in an exchange of fire",
    "gunfight", "vuurgevecht"): a clash, in which no side chose its victim for who they are."""
    return any(
        concept == "armed_clash" and (text in _FIRE_EXCHANGED or _FIRE_WORD.fullmatch(text))
        for concept, text in find_cues(lowered)
    )


# Explosive cues that also name other things ("a coal mine") cannot tell how an attack was made.
_AMBIGUOUS_EXPLOSIVE: Final = frozenset({"mine", "mines"})
# Firearms named without a verb of shooting ("attacked the camp with rifles and grenades").
_FIREARM: Final = re.compile(
    r"rifles?|guns?|pistols?|bullets?|kalashnikovs?|ak-\w+|geweer|geweren|vuurwapen\w*"
    r"|pistool\w*|kogels?|gewehr\w*|fusils?"
)


def attack_by_explosives(lowered: str) -> bool:
    """Whether the only attack the text tells of is made with explosives: an attack word with no
    gun, blade or fire ("Maoists attacked a police camp ... hurled crude bombs at it") beside
    an explosive weapon. labels.md's armed_attack is a non-explosive attack."""
    found = find_cues(lowered)
    attacks = [text for concept, text in found if concept == "armed_attack"]
    return (
        bool(attacks)
        and all(_ATTACK_WORD.fullmatch(text) for text in attacks)
        and any(
            concept == "bombing" and text not in _AMBIGUOUS_EXPLOSIVE for concept, text in found
        )
        and not any(map(_FIREARM.fullmatch, words(lowered)))
    )


def has_cue(*lowered: str) -> bool:
    """Whether any of these lower-cased texts holds a cue at all."""
    return any(_cues(text) for text in lowered)


def cue_hits(lowered: str) -> dict[str, str]:
    """concept -> the first text that is a cue for it, for facts and human-readable reasons."""
    hits: dict[str, str] = {}
    for concept, text in find_cues(lowered):
        hits.setdefault(concept, text)
    return hits


_SPEECH: Final = frozenset(
    {"said", "says", "say", "told", "confirmed", "added", "stated", "reported", "announced",
     "zei", "zegt", "zeggen", "meldt", "melden", "aldus", "bevestigt", "bevestigde", "verklaarde",
     "déclaré", "affirmé", "sagte", "sagt", "erklärte", "bestätigte", "spokesman", "spokesperson",
     "revealed", "claimed", "quoted", "condemned", "condemns", "informed", "disclosed",
     # German and Dutch sources: "teilte die Polizei mit", "Aktivisten machen Russland
     # verantwortlich", "meldde de burgemeester".
     "teilte", "teilten", "berichtete", "berichteten", "meldete", "meldeten", "machen",
     "machten", "sprach", "sprachen", "zufolge", "meldde", "meldden", "stelde", "stelden",
     "zeiden", "verklaarden",
     # A role that wants, pleads or is summoned speaks or is spoken to: "Burgemeester wil
     # samenscholingsverbod", "ambassadeur ontboden", "minister wants tougher sentences".
     "wil", "wilde", "willen", "pleit", "pleitte", "vindt", "roept", "riep", "vraagt", "vroeg",
     "reageert", "reageerde", "kondigt", "waarschuwt", "belooft", "ontboden", "noemt", "noemde",
     "ontbiedt"}
)
# "zegt de minister", "said the minister": the role after a verb of saying is the source too.
_DEFINITE: Final = frozenset({"de", "het", "the"})
_SPEECH_BEFORE: Final = frozenset(
    {"zegt", "zei", "aldus", "meldt", "meldde", "said", "says", "told", "sagte", "sagt"}
)
_ATTRIBUTION: Final = frozenset({"according", "volgens", "selon", "laut", "quoted", "citing"})


_AMONG: Final = frozenset({"including", "among", "waaronder", "onder", "dont", "darunter"})
_KIN: Final = frozenset({"brother", "brothers", "sister", "sisters", "son", "sons", "daughter"})


def _speaker(lowered: str, end: int) -> bool:
    """Whether the role ending at `end` is followed by a colon: "Minister: ..." quotes a speaker."""
    return lowered[end : end + 3].lstrip().startswith(":")


def _said_by(before: list[str]) -> bool:
    """Whether the words before a role make it the one speaking: "aldus minister", "zegt de
    minister", "said the mayor" (but "said a judge was killed" names the victim)."""
    if before and before[-1] in _SPEECH_BEFORE:
        return True
    return len(before) > 1 and before[-1] in _DEFINITE and before[-2] in _SPEECH_BEFORE


def targeted_role(lowered: str, *, victim_only: bool = False) -> str | None:
    """The first word for a person's role ("judge", "stamoudste") that is not a news source.

    "Police officials said a bomb killed three" names officials as the source, not the target;
    a role followed by a verb of saying, or after "according to", is skipped. With victim_only,
    a role is also skipped when it is one of several victims ("twelve killed, including a
    journalist": the journalist was not the one chosen) or a kinship ("elder brother"), and the
    speech verb may come further on ("Superintendent of Police Ravi Kumar said").
    """
    tokens = words(lowered)
    ends: list[int] | None = None  # where each token ends, found only once a role needs it
    reach = 7 if victim_only else 4
    for i, token in enumerate(tokens):
        if "official" not in token_concepts(token):
            continue
        after = tokens[i + 1 : i + reach]
        before = list(tokens[max(0, i - 4) : i])
        if any(t in _SPEECH for t in after) or any(t in _ATTRIBUTION for t in before):
            continue
        if _said_by(before):
            continue
        if ":" in lowered:  # most texts have no colon, and need no token offsets
            if ends is None:
                ends = [m.end() for m in _WORD_RE.finditer(lowered)]
            if _speaker(lowered, ends[i]):
                continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if victim_only and (
            any(t in _AMONG for t in tokens[max(0, i - 8) : i]) or following in _KIN
        ):
            continue
        return token
    return None

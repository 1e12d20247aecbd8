"""The cue table: the words and phrases that say something worked, failed, or surprised.

Each cue is a regular expression matched case-insensitively on whole words (never inside a
longer word: "invent" does not fire in "inventory", "slow" not in "slowly-growing", "fail" not
in "failed-payments"), with a weight for each thing it is evidence of:
- `fail`: something went wrong (the outcome is failed or mixed);
- `work`: something went well;
- `surprise`: something surprised the writer;
- `mode`: which failure mode; a cue with a mode but no `fail` weight is a *topic* cue ("JSON",
  "context window", "cost", "security"): it only names the mode of a failure that other words
  report, so "security summary, spot on" is no data concern.

Consequence cues come first: failures told by what happened next ("It allows 20.", "had to
redo it by hand", "the import choked"), each with a `reason` the confirmation shows instead of
the matched words.

Contractions are written once (`didn't`) and also match "didnt" and "did not".
docs/capture-rules.md describes these families in words; it is written by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.model import FailureMode

CW = FailureMode.CONFIDENT_WRONG
CD = FailureMode.CONTEXT_DECAY
BS = FailureMode.BROKEN_SHAPE
SP = FailureMode.SILENTLY_PARTIAL
RF = FailureMode.REFUSED
SC = FailureMode.SLOW_OR_COSTLY
DC = FailureMode.DATA_CONCERN


@dataclass(frozen=True)
class Cue:
    family: str  # a name for people: "made up", "refusal", "success", …
    pattern: str
    fail: float = 0.0
    work: float = 0.0
    surprise: float = 0.0
    mode: FailureMode | None = None
    mode_weight: float = 0.0
    # The cue does not fire right after these words (a person, not the tool, "refused").
    not_after: str | None = None
    # What the cue means, for the confirmation: "the work had to be redone". Consequence cues
    # have one, because the words they match ("It allows 20.") say nothing by themselves.
    reason: str = ""


def _cues(
    family: str,
    *patterns: str,
    fail: float = 0.0,
    work: float = 0.0,
    surprise: float = 0.0,
    mode: FailureMode | None = None,
    mode_weight: float = 0.0,
    not_after: str | None = None,
    reason: str = "",
) -> tuple[Cue, ...]:
    return tuple(
        Cue(family, p, fail, work, surprise, mode, mode_weight, not_after, reason) for p in patterns
    )


_N = r"[\w'-]+"  # one word, for bounded gaps such as (?:{_N} ){0,3}
# Words before a cue that make it the subject of the work, not what happened: "the missed
# target", "about slow delivery", "the timeout handling", "broken laptops".
_SUBJECT = (
    r"(?:\b(?:the|a|an|our|their|your|my|his|her|its|about|on|for|regarding|around|of|into|with|re) $"
    r"|\b(?:why|how|reduc\w*|cut|fix\w*|solv\w*|prevent\w*|handl\w*|avoid\w*|eliminat\w*|remov\w*"
    r"|caught|catch\w*|found|find\w*|spott\w*|flagg\w*|debug\w*|untangl\w*|explain\w*|diagnos\w*)"
    r" (?:[\w'-]+ ){0,4}$)"
)
_CHECKERS = (
    r"(?:legal|finance|qa|payroll|counsel|compliance|audit|auditors?|security|ops|procurement"
    r"|the (?:customer|client|controller|cfo|reviewer|auditors?|vendor|prospect|candidate)"
    r"|customers|clients|our (?:[\w'-]+ )?(?:lead|controller|reviewer|manager|dba|editor|lawyer)"
    r"|my (?:manager|boss|reviewer|editor)|someone|somebody|a colleague|reviewers?)"
)
_PEOPLE = r"(?:\b(?:they|he|she|who|vendor|customer|client|partner|legal|lawyer|manager|boss|sales|team|finance|hr|ops|everyone|nobody|colleagues?|people)(?: had| has| have)? )$"

_NUM = r"(?:\$|€|£)?\d[\d,.]*(?:%|x|k|m|bn)?"
_W = r"[\w'-]+"
_SOURCE = (
    r"(?:policy|handbook|contract|agreement|plan|spec|source|ledger|gl|pdf|doc|docs|document"
    r"|documentation|guidelines|terms|recording|transcript|original|invoice|statement|diff|data"
    r"|system|website|records?|study|report|law|regulation|rules|code|appendix|schedule|dashboard)"
)
# Failures told by what happened next, with no failure word (the families docs/capture-rules.md
# names): the source says otherwise, the work was redone, the next step broke, it looked right
# until someone checked, someone else caught it. They come first in the table, so "looked fine
# until" is read before "fine".
CONSEQUENCES: tuple[Cue, ...] = (
    *_cues(
        "the source says otherwise",
        rf"it(?:'s| is| was| were| allows| has| had| says| costs| takes) (?:only |actually |really |just )?{_NUM}(?: {_W})?(?=[\s.!]*$)",
        rf"(?:the|our|their) (?:{_W} ){{0,2}}{_SOURCE} (?:actually |clearly |only )?(?:says|said|states|stated|allows|lists|listed|shows|showed|has|had|reads|requires) (?:only |just )?{_NUM}",
        rf"(?:the )?(?:right|correct|true|actual|real) (?:{_W} ){{0,2}}(?:is|was|were|are) (?:only |just )?{_NUM}",
        r"(?:it's|it is|it was|they're|they are) actually",
        r"(?:actually|in fact|in reality) (?:says|said|is|was|were|are|reads|shows|showed|allows)",
        r"nowhere (?:in|on|to be found)",
        r"(?:lead|leads|led|go|goes|went|point|points|pointed) nowhere",
        rf"(?:isn't|aren't|wasn't|weren't|not) (?:anywhere )?(?:in|on|part of) (?:our|the|their|its) (?:{_W} ){{0,2}}{_SOURCE}",
        r"(?:didn't|doesn't|don't|never|wouldn't|won't) (?:tie|reconcile|balance|tally)(?: out| up| with| to)?",
        rf"(?:used|picked|took|chose|gave|applied|listed|quoted|put) (?!(?:tabs|semicolons|commas|spaces|prose|text|markdown|paragraphs|bullets)\b)(?:{_W} ){{1,3}}instead of",
        fail=0.9,
        mode=CW,
        mode_weight=1.0,
        reason="what it said disagrees with the source",
    ),
    *_cues(
        "the work was redone",
        rf"(?:redo|redid|redone|redoing|rewrite|rewrote|rewritten|rewriting|rebuild|rebuilt|rebuilding|fix(?:ed|ing)?|correct(?:ed|ing)|check(?:ed|ing)?) (?:{_W} ){{0,4}}(?:by hand|manually|from scratch|ourselves|myself|line by line)",
        r"(?:had|has|have|needed|need) to (?:go through|check|verify|re-?check|fix|correct|rebuild|redo|rewrite|re-?do|repair|patch|recalculate|re-?run|manually)",
        r"(?:check|checked|checking|go through|went through|verify|verified) every (?:single )?(?:line|row|number|figure|cell|entry|item|one|reference|citation|link|fact)",
        r"(?:caught|spotted|noticed|fixed|found) (?:it|that|this|them|the \w+) (?:just )?(?:before|in time)",
        fail=1.0,
        reason="the work had to be redone",
    ),
    *_cues(
        "the next step broke",
        rf"(?:import|upload|build|pipeline|script|parser|importer|loader|ci|job|deploy|release|compiler|validator|migration) (?:{_W} ){{0,3}}(?:choked|failed|broke|rejected|refused|crashed|errored|threw|stalled|halted|blocked|bounced|couldn't (?:read|parse|open|load))",
        r"(?:threw|throws|raised|raises) (?:an? |the )?(?:error|exception)",
        fail=1.0,
        mode=BS,
        mode_weight=1.0,
        reason="the next step could not use what it made",
    ),
    *_cues(
        "it looked right until",
        rf"(?:looked|seemed|read|sounded) (?:{_W} ){{0,2}}(?:right|fine|great|good|perfect|complete|plausible|convincing|correct|ok|okay|solid)(?: to (?:me|us))? (?:until|at first|on the surface|at a glance|at first glance)",
        r"(?:at first|on the surface|at first glance|at a glance)(?: it)? (?:looked|seemed|read)",
        rf"until (?:i|we|someone|somebody|a colleague|our|the|legal|finance|qa|my) (?:{_W} ){{0,3}}(?:checked|noticed|looked|read|tried|ran|compared|opened|asked|saw|counted|spotted|found|tested)",
        fail=0.9,
        reason="it looked right until someone checked",
    ),
    *_cues(
        "someone else caught it",
        rf"{_CHECKERS} (?:{_W} ){{0,2}}(?:flagged|caught|noticed|spotted|pointed out|complained|pushed back|rejected|objected)",
        fail=0.8,
        not_after=r"(?:\b(?:it|that|which|tool|model|bot|assistant) )$",
        reason="someone else caught a problem",
    ),
)

CUES: tuple[Cue, ...] = (
    *CONSEQUENCES,
    # ---- confident wrong ---------------------------------------------------------------------
    *_cues(
        "made up",
        r"hallucinat\w*",
        r"fabricat\w*",
        r"invent(?:ed|s|ing)?",
        r"invent[óé]\w*",
        r"made[- ](?:it |that |them |things |stuff |something |this )?up",
        r"mak(?:e|es|ing) (?:it|that|them|things|stuff|something|anything|this) up",
        r"(?:doesn't|didn't|don't) exist",
        r"none of (?:them|these|those|which|it) (?:exist\w*|are real|were real)",
        r"non-?existent",
        r"never existed",
        r"not real",
        r"fake",
        r"bogus",
        r"fictional",
        r"fictitious",
        r"imaginary",
        r"out of thin air",
        r"out of nowhere",
        r"erfunden",
        r"ausgedacht",
        fail=1.2,
        mode=CW,
        mode_weight=1.5,
    ),
    *_cues(
        "wrong facts",
        r"(?:was|were|is|are|got (?:it|them|that|this)|completely|totally|just|simply|plain|flat|dead|mostly|partly) wrong",
        r"wrong (?:answer|number|numbers|figure|figures|date|dates|name|names|person|ceo|price|prices|total|totals|facts?|version|year|amount|answer)",
        r"incorrect",
        r"inaccura\w*",
        r"untrue",
        r"not true",
        r"false",
        r"falsch",
        r"misquot\w*",
        r"misattribut\w*",
        r"misstat\w*",
        r"misspel\w*",
        r"misnam\w*",
        r"mis(?:label|read|classif|represent|calculat|assign|count|sort|match|translat|date|cit)\w*",
        r"contradict\w*",
        r"(?:dead links?|broken links?|404s?)",
        r"(?:were|was|are|is) (?:a bit |slightly |way |a little |all |totally )?off(?: by)?",
        r"off by",
        fail=1.0,
        mode=CW,
        mode_weight=1.0,
    ),
    *_cues(
        "not in the source",
        r"(?:wasn't|weren't|isn't|aren't|not) (?:anywhere )?in the (?:source|doc\w*|original|data|transcript|text|spreadsheet|file|report|notes|recording|meeting|call|contract)",
        r"(?:who|which|that) (?:wasn't|weren't|was never|were never) (?:in|at|on|there|even)",
        r"(?:who|that) (?:had left|left the|was on leave|is no longer|no longer works)",
        r"never (?:said|wrote|written|promised|measured|offered|agreed|made|happened|existed|shipped|released)",
        r"nobody (?:ever )?(?:said|promised|agreed|asked|wrote)",
        r"(?:that|which) (?:we|they|you|our \w+) (?:don't|didn't|doesn't|never) (?:have|had|use|offer|sell|make|support)",
        r"(?:that|which) (?:isn't|wasn't|aren't|weren't) (?:there|real)",
        r"(?:the )?opposite of what",
        r"(?:we|they) (?:can't|don't|never) (?:give|offer|provide|sell|ship|promise)",
        r"repealed",
        r"outdated",
        r"out[- ]of[- ]date",
        r"obsolete",
        r"superseded",
        r"no longer (?:valid|applies|apply|exists|true|current|accurate)",
        r"(?:it|that)(?:'s| is| was) actually",
        r"(?:it|which|that) (?:doesn't|didn't|does not)(?: even)? (?:have|support|offer)",
        r"it (?:doesn't|isn't|wasn't)(?=[.!,\s]*$|,)",
        fail=1.0,
        mode=CW,
        mode_weight=1.2,
    ),
    *_cues(
        "certainty",
        r"confident(?:ly)?",
        r"(?:completely|totally|very|so|absolutely) (?:sure|certain)",
        r"with (?:total|complete|full|great) (?:certainty|confidence)",
        r"insist\w*",
        r"swore",
        r"authoritative",
        r"convincing(?:ly)?",
        r"plausible",
        mode=CW,
        mode_weight=0.6,
    ),
    # ---- context decay -----------------------------------------------------------------------
    *_cues(
        "lost track",
        r"lost (?:track|the thread|the plot|the context|its place)",
        r"los(?:es|ing) (?:track|the thread|the plot)",
        r"forg(?:ot|ets|etting|otten)",
        r"drift(?:ed|ing|s)?",
        r"mix(?:ed|es|ing)(?: it)? up",
        r"mixing",
        r"confus(?:ed|es|ing) (?:the|our|their|two|them|it|us|which|who|\w+ with)",
        r"blend(?:ed|ing|s)?",
        r"conflat\w*",
        r"went downhill",
        r"degrad\w*",
        r"(?:got|gets|getting|became) (?:worse|vaguer|sloppier|weaker)",
        r"quality (?:dropped|drops|fell|tanked|decayed)",
        r"reintroduc\w*",
        r"(?:switched|drifted|wandered|jumped|moved) (?:over )?to (?:\w+ ){0,2}(?:different|another|other|unrelated)",
        r"(?:steadily|progressively|gradually|increasingly) (?:less|worse|more wrong|vaguer)",
        r"the more (?:[\w'-]+ ){0,4}the (?:more|less|worse)",
        r"undo(?:ne)?",
        r"undid",
        r"revert(?:ed|s|ing)?",
        r"(?:started|starts|began) (?:to )?(?:blend|mix|forget|drift|confus|ignor|repeat|los|contradict)\w*",
        fail=1.0,
        mode=CD,
        mode_weight=1.0,
        not_after=r"(?:\b(?:i|we|i had|we had|i'd|we'd|i've|we've|i have) )$",
    ),
    *_cues(
        "long context",
        r"long(?:er)?[- ]context",
        r"context (?:window|limit|length)",
        r"long(?:er)? (?:thread|chat|conversation|document|doc|transcript|session|input|prompt|file)",
        r"(?:chat|thread|conversation|document|session) (?:got|gets|grew|grows) (?:long|longer)",
        r"as the (?:\w+ ){0,2}(?:grew|grows|got longer|went on)",
        r"the longer",
        r"by (?:the end|message \d+|page \d+|the appendix|the last \w+|the \w+ (?:half|section|chapter|hour|revision|iteration|round|draft|version))",
        r"after (?:about |around |some |roughly )?\d+ (?:messages|pages|transcripts|turns|files|tickets|documents|emails|calls)",
        r"\d+[- ]page",
        r"(?:twenty|thirty|forty|fifty|\d+) (?:messages|turns|pages) in",
        r"first (?:few|dozen|couple|\d+|\w+) (?:pages|messages|tickets|sections|transcripts|files|chapters)",
        r"(?:second|last|back) half",
        r"halfway through",
        r"follow-?ups?",
        r"(?:same|one) (?:chat|thread|conversation|session)",
        r"at the (?:start|top|beginning)",
        r"(?:earlier|original|initial) (?:instructions?|messages?|constraints?|rules?)",
        mode=CD,
        mode_weight=0.6,
    ),
    # ---- broken shape ------------------------------------------------------------------------
    *_cues(
        "broke the next step",
        r"invalid (?:json|xml|yaml|csv|syntax|format|markdown|html|sql)",
        r"malformed",
        r"syntax errors?",
        r"(?:couldn't|can't|wouldn't|failed to|unable to) (?:parse|load|import|compile|be parsed|be imported|be loaded)",
        r"unparse?able",
        r"(?:didn't|wouldn't|doesn't) compile",
        r"trailing commas?",
        r"chok(?:ed|es|ing)(?: on)?",
        r"fell over",
        r"(?:import|upload|loader|parser|importer|build|pipeline|job|script|service|deploy|sync|portal|tool|report) (?:\w+ ){0,2}(?:rejected|refused|broke|choked|crashed|errored|failed|fell over|wouldn't (?:load|start|run))",
        r"(?:got|was|were|been) rejected",
        r"rejects?",
        r"errored(?: out)?",
        r"wrong (?:format|shape|schema|encoding|delimiter|dialect|syntax|structure|layout|type)",
        r"(?:turned|converted|read|treated|parsed|imported|interpreted) (?:[\w'-]+ ){0,3}(?:into|as) (?:text|strings?|dates?|numbers?)",
        r"corrupt\w*",
        r"(?:couldn't|can't|wouldn't|won't) open",
        r"(?:doesn't|don't|didn't) support",
        r"(?:not|isn't|wasn't) supported",
        r"unsupported",
        r"(?:doesn't|don't|didn't) recogni[sz]e",
        r"(?:didn't|doesn't|don't|did not) match (?:the |our )?(?:schema|template|format|spec|columns|fields|headers)",
        r"(?:headers?|columns?|fields?|column names|keys) (?:didn't|don't|doesn't) match",
        r"broke (?:the |our )?(?:build|parser|pipeline|import|script|dashboard|deploy)",
        r"(?:build|pipeline|import|parser) broke",
        r"(?:service|app|config|deploy\w*) (?:wouldn't|didn't|couldn't) (?:start|load|run)",
        fail=1.0,
        mode=BS,
        mode_weight=1.3,
    ),
    *_cues(
        "format",
        r"json",
        r"xml",
        r"yaml",
        r"csv",
        r"schema",
        r"format(?:s|ting|ted)?",
        r"header(?:s| row)?",
        r"columns?",
        r"indent\w*",
        r"(?:tabs|semicolons|commas|paragraphs|prose|text|markdown) instead of",
        r"instead of (?:spaces|commas|iso|json|a table|a list|\w+ separators)",
        r"code fence",
        r"markdown",
        r"delimiter",
        r"decimal",
        r"encoding",
        r"iso(?: \d+)?",
        r"(?:mm/dd|dd/mm)",
        r"parser",
        r"importer",
        r"loader",
        r"ingestion",
        r"template",
        r"config(?: file)?",
        r"syntax",
        r"dialect",
        r"build",
        r"bulleted list",
        r"one giant paragraph",
        mode=BS,
        mode_weight=0.5,
    ),
    # ---- silently partial --------------------------------------------------------------------
    *_cues(
        "left part out",
        r"skip(?:ped|s|ping)",
        r"omit(?:ted|s|ting)?",
        r"left (?:\w+ ){0,3}out",
        r"leaves (?:\w+ ){0,3}out",
        r"ignor(?:ed|es|ing) the (?:rest|remaining|last|other)",
        r"truncat\w*",
        r"cut (?:off|short)",
        r"stopp?(?:ed|s)? (?:halfway|half-way|mid-?way|short|after|at the|mid)",
        r"incomplete",
        r"partial(?:ly)?",
        r"never (?:got to|finished|reached|covered)",
        r"(?:presented|reported|returned|marked|called) it (?:as )?(?:done|complete|finished)",
        r"(?:just|simply|and|then) stopped",
        r"(?:wasn't|weren't|isn't|aren't|not|never) (?:\w+ )?in the (?:output|results?|summary|list|answer|reply|table|export|minutes)",
        r"missing from the (?:output|results?|summary|list|answer|reply|table|export|minutes)",
        r"stop(?:s|ped)? at (?:minute|page|line|row|item|slide|chapter|section|question) \d+",
        r"said (?:that was|it was|it had|it'd) (?:everything|all|done|complete|finished)",
        r"(?:got|found|listed|returned) (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)(?: of them)?, there (?:were|are) (?:\d+|\w+)",
        fail=1.0,
        mode=SP,
        mode_weight=1.2,
    ),
    *_cues(
        "without saying",
        r"(?:silently|quietly)(?! (?:impressive|good|great|useful|effective|brilliant|excellent|solid|confident|optimistic|pleased))",
        r"without (?:a word|saying|mentioning|telling|flagging|any warning|warning|noting|comment)",
        r"(?:didn't|never) (?:say so|mention|tell|flag|warn|note)",
        r"(?:nothing|no one|nobody) (?:in the output )?(?:said so|mentioned it|flagged it)",
        r"nothing (?:about|on|for) (?:the )?\w+",
        fail=0.8,
        mode=SP,
        mode_weight=1.2,
    ),
    *_cues(
        "only part",
        r"the rest",
        r"the remaining",
        r"the last \d+",
        r"only (?:did|covered|handled|translated|reviewed|reported|got|returned|processed|listed|summari[sz]ed|included|checked|caught|found|the first|half)",
        r"half (?:of )?the",
        r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten) of (?:the )?(?:\d+|ten|eleven|twelve|fourteen|fifteen|twenty)",
        r"the first (?:\d+|few|three|two|half)",
        mode=SP,
        mode_weight=0.5,
    ),
    # ---- refused -----------------------------------------------------------------------------
    *_cues(
        "refusal",
        r"refus(?:ed|es|ing)",
        r"declin(?:ed|es|ing) to",
        r"(?:politely|flatly|flat out) declined",
        r"declined (?:my|the|our) (?:request|ask|prompt|question)",
        r"too (?:cautious|careful|conservative|sensitive|restrictive)",
        r"over-?cautious",
        r"overly (?:cautious|careful|restrictive)",
        r"lectur\w*",
        r"moralis\w*",
        r"moraliz\w*",
        r"preach\w*",
        r"as an ai",
        fail=1.0,
        mode=RF,
        mode_weight=1.3,
        not_after=_PEOPLE,
    ),
    *_cues(
        "hedged",
        r"hedg(?:ed|ing|es)",
        r"watered[- ]down",
        r"caveats?",
        r"disclaimers?",
        r"warnings",
        r"(?:safety|content) (?:filter|policy|guidelines|notes|warnings|lectures?)",
        r"so many (?:safety )?(?:notes|warnings|caveats|disclaimers)",
        r"unable to assist",
        r"(?:financial|legal|medical|tax) (?:advice|information|questions)",
        r"sensitive (?:topic|topics|subject|request)",
        fail=0.7,
        mode=RF,
        mode_weight=1.0,
    ),
    *_cues(
        "cannot help",
        r"(?:can't|couldn't|unable to|not able to) (?:help|assist|give|provide|do that|comply|answer|discuss|generate|write|engage|advise)",
        fail=1.0,
        mode=RF,
        mode_weight=1.3,
        not_after=r"(?:\b(?:we|you|they|he|she)(?: just| really| simply)? )$",
    ),
    *_cues(
        "would not",
        r"(?:wouldn't|won't|didn't want to) (?:do|help|draft|write|generate|answer|summar\w*|touch|name|give|translate|produce|create|discuss|engage|analy\w*|assist|comply|go|let|even|look|review|say|share|make)",
        fail=1.0,
        mode=RF,
        mode_weight=1.3,
        not_after=r"(?:\b(?:i|we|they|he|she|who|vendor|customer|client|partner|legal|lawyer|manager|boss)(?: had| has| have)? )$",
    ),
    # ---- slow or costly ----------------------------------------------------------------------
    *_cues(
        "too slow or costly",
        r"too (?:slow|expensive|costly|pricey|long)",
        r"sluggish",
        r"crawl(?:ed|s|ing)?",
        r"(?:took|takes|take|taking) (?:\w+ ){0,2}(?:forever|ages|too long|hours|all day|the whole (?:day|afternoon|morning)|most of the (?:day|afternoon|morning))",
        r"forever",
        r"rate[- ]limit\w*",
        r"latency",
        r"expensive",
        r"costly",
        r"pricey",
        r"(?:costs?|bill|spend|spending|invoice|usage) (?:\w+ ){0,2}(?:spiral\w*|tripled|doubled|exploded|jumped|went up|adds? up|ballooned)",
        r"adds? up",
        r"burn(?:ed|t|ing|s)? through",
        r"cost (?:more|too much|a fortune|us a)",
        r"(?:\w+ times|double|triple|twice) the (?:price|cost)",
        r"(?:over|blew (?:the |our )?|more than (?:our |the )?(?:whole |entire )?(?:\w+ )?)budget",
        r"(?:i|we) (?:read|write|do it|could do it) faster",
        r"faster (?:to do it|by hand|myself|than that)",
        r"waited (?:[\w'-]+ ){0,3}(?:minutes|hours|ages|forever)",
        r"hit (?:our|the|its|my) (?:\w+ ){0,2}(?:cap|limit|quota|ceiling)",
        r"(?:myself|by hand|manually) (?:is|was|would be|would have been) (?:faster|quicker|cheaper)",
        fail=1.0,
        mode=SC,
        mode_weight=1.2,
    ),
    *_cues(
        "time and money",
        r"(?:\d+|ten|twenty|thirty|forty|fifteen|five|six|two|three|four) (?:seconds|secs|minutes|mins|hours) (?:per|a|each|for (?:one|each|a|every))",
        r"(?:took|takes) (?:about |around |over |nearly |almost )?(?:\d+|one|two|three|four|five|six|ten|twenty|thirty|forty|\w+ty) (?:seconds|minutes|mins|hours)",
        r"over (?:\d+|an?|forty|thirty|twenty) (?:seconds|minutes|hours)",
        r"ran for (?:\w+ )?(?:hours|minutes|ages|an hour|a day)",
        r"spend",
        r"\$\s?\d[\d,.]*",
        r"credits",
        r"tokens? (?:quota|bill|budget|limit)",
        r"quota",
        r"bill",
        r"budget",
        r"cost",
        r"wait(?:ed|ing)?",
        mode=SC,
        mode_weight=0.6,
    ),
    # ---- data concern ------------------------------------------------------------------------
    *_cues(
        "data went where it should not",
        r"expos(?:ed|es|ing)",
        r"breach\w*",
        r"(?:security|legal|compliance|infosec|privacy|dpo|data protection)(?: team| officer)? (?:said no|blocked|flagged|vetoed|stopped|pointed out|raised|banned)",
        r"(?:shouldn't|should not|isn't allowed to|wasn't allowed to) (?:see|have|access|read)",
        r"without (?:access|permission|clearance)",
        r"(?:real|actual) (?:customer|client|employee|patient|person)(?:'s|s'|s)? (?:names?|data|details|emails?|phone|address)",
        r"(?:pasted|put|uploaded|sent|shared|fed|posted|copied|sends|sending) (?:[\w',-]+ ){0,10}(?:into|to|in|with) (?:a |the |an )?(?:shared|public|free|personal|private|third[- ]party|external|consumer|unapproved|outside)",
        r"(?:shared|sent|posted|forwarded|emailed) (?:[\w',-]+ ){0,10}with (?:every(?:one)?|all|outside|external)",
        r"in(?:to)? (?:a |the )?public (?:channel|chatbot|model|repo|version|tool|link|space)",
        r"gdpr",
        r"including (?:our |the |all )?(?:internal|confidential|private|sensitive)",
        r"logg(?:ed|ing)? (?:every|all|our) (?:prompts?|conversations?|messages|keystrokes|pages|queries)",
        r"(?:passwords?|api keys?|tokens?|secrets?|credentials) (?:[\w'-]+ ){0,4}in (?:a|the|its|their|an) (?:\w+ )?(?:snippet|suggestion|answer|output|reply|draft|response|code)",
        r"send(?:s|ing)? (?:[\w',-]+ ){0,10}to (?:its|their|the|a|an) (?:vendor|servers?|third|cloud|provider|company)",
        fail=1.0,
        mode=DC,
        mode_weight=1.4,
    ),
    *_cues(
        "sensitive data",
        r"pii",
        r"personal (?:data|information|details)",
        r"confidential",
        r"sensitive",
        r"(?:client|customer|patient|employee|personal) (?:data|records|emails?|details|letters|names)",
        r"bank details",
        r"phone numbers?",
        r"salar(?:y|ies)",
        r"api keys?",
        r"credentials",
        r"passwords?",
        r"(?:for|on) training",
        r"opt out",
        r"retention",
        r"third[- ]party",
        r"(?:haven't|not) vetted",
        r"shared drive",
        r"access to",
        r"unreleased",
        r"what data",
        r"allowed to (?:upload|share|paste|use)",
        r"stores? (?:recordings|our|the|data|prompts|everything)",
        r"security",
        r"privacy",
        r"compliance",
        r"anonymi[sz]ed",
        r"uploaded",
        r"pasted",
        mode=DC,
        mode_weight=0.6,
    ),
    # ---- events that are often the subject of the work ("the missed target") ---------------
    *_cues(
        "slow",
        r"slow(?:er)?",
        r"timed? ?out",
        r"time-?outs?",
        fail=1.0,
        mode=SC,
        mode_weight=1.2,
        not_after=_SUBJECT,
    ),
    *_cues(
        "left part out",
        r"dropp(?:ed|ing) (?:the|some|every|all|any|a|an|rows?|items?|lines?|records?|entries|fields?|columns?|contacts?|sections?|parts?|half|most|several|those|these|them|it|its|\d+)",
        r"(?<!had )(?<!have )(?<!has )missed (?:the|every|all|some|most|half|a|an|everyone|anything|one|two|three|several)",
        fail=1.0,
        mode=SP,
        mode_weight=1.2,
        not_after=_SUBJECT,
    ),
    *_cues(
        "leaked",
        r"leak(?:ed|ing|s)",
        fail=1.0,
        mode=DC,
        mode_weight=1.4,
        not_after=_SUBJECT,
    ),
    *_cues(
        "broke",
        r"broken",
        r"broke",
        r"crash(?:ed|es|ing)?",
        fail=1.0,
        not_after=_SUBJECT,
    ),
    *_cues("refusal", r"refusal", fail=1.0, mode=RF, mode_weight=1.3, not_after=_SUBJECT),
    *_cues(
        "problems",
        r"mistakes?",
        r"errors",
        r"typos?",
        r"problems?",
        r"issues?",
        fail=1.0,
        not_after=_SUBJECT,
    ),
    *_cues("except", r"(?:except|apart from|other than) (?:it|that|for|the)", fail=0.6),
    # ---- something failed, no mode -----------------------------------------------------------
    *_cues(
        "failed",
        # "failed payments", "failing tests": a failure word naming a kind of thing is the
        # subject of the work, not what happened to it.
        r"fail(?:ed|s|ure|ures|ing)?(?! (?:payments?|transactions?|charges?|logins?|jobs?|tests?|builds?|deliver(?:y|ies)|orders?|calls?|attempts?|checks?|runs?|batch(?:es)?|records?|rows?|cases?|invoices?|leads?|deals?|deploys?|deployments?|requests?|cards?|transfers?|imports?)\b)",
        fail=1.0,
        not_after=_SUBJECT,
    ),
    *_cues(
        "went badly",
        r"(?:didn't|doesn't|don't) work",
        r"not working",
        r"stopped working",
        r"(?:didn't|did not) go well",
        r"went (?:badly|wrong|sideways)",
        r"useless",
        r"unusable",
        r"not (?:usable|okay|ok|acceptable|good enough|ready|reliable|trustworthy|there yet|fit for|sustainable|scalable|affordable|worth it|viable|practical|feasible)",
        r"(?:couldn't|can't|never) get it to",
        r"no matter how",
        r"nobody (?:wanted|used|liked|could use|would use|could follow|understood|trusts?|could read)",
        r"(?:hard|impossible) to (?:follow|read|use|understand)",
        r"(?:went|going|goes) (?:round )?in circles",
        r"(?:didn't|doesn't|don't) (?:line up|add up|match up|match)",
        r"mismatch\w*",
        r"mispronounc\w*",
        r"mangled",
        r"garbled",
        r"scrambled",
        r"muddl\w*",
        r"jumbled",
        r"f(?:ell|alls|all|alling) apart",
        r"ignor(?:ed|es|ing) (?:everything|my|our|all|most|every|half|the)",
        r"(?:i|we) stopped (?:reading|using|trusting|bothering)",
        r"(?:fighting|wrestling|arguing|battling) with",
        r"so-so",
        r"stiff",
        r"pushy",
        r"preachy",
        r"cheesy",
        r"salesy",
        r"cring\w*",
        r"misunderst\w*",
        r"misinterpret\w*",
        r"(?:even though|although|though|despite) (?:i|we) (?:\w+ )?(?:attached|gave|asked|told|said|provided|pasted|specified|uploaded|explained|set)",
        r"(?:spent|took|wasted|cost me) (?:an hour|hours|ages|half a day|the (?:whole )?(?:afternoon|morning|day)|all (?:morning|afternoon|day)) (?:getting|trying|fixing|convincing|checking|finding|correcting|arguing|coaxing|cleaning)",
        r"(?:get|getting|got) it to stop",
        r"produced nothing",
        r"nothing (?:usable|useful|of value|I could use)",
        r"less (?:accurate|useful|reliable|relevant|coherent|helpful)",
        r"ended up (?:writing|doing|redoing|rewriting|fixing|making|building|checking) (?:it |the \w+ )?(?:myself|ourselves|by hand|manually)",
        r"merged (?:two|three|different|separate|unrelated)",
        r"(?:can't|couldn't|won't) (?:trust|rely on|use it)",
        r"not something (?:\w+ ){0,2}can",
        r"garbage",
        r"rubbish",
        r"junk",
        r"nonsense",
        r"gibberish",
        r"wrong",
        r"went red",
        r"(?:tests?|ci|checks?) (?:went red|failed|broke)",
        r"waste(?:d)?",
        r"gave up",
        r"give up",
        r"threw (?:it |them |that )?away",
        r"thrown away",
        r"scrapped",
        r"binned",
        r"(?:had|need(?:ed)?) to (?:redo|rewrite|rebuild|start over|fix|correct|clean|throw|check|double-check|edit|rework|redo|restart)",
        r"(?:redo|redid|rewritten|rewrite) (?:it|the|most|everything|all|from scratch|entirely)",
        r"from scratch",
        r"(?:i|we) (?:then |just |basically )?(?:rewrote|redid|rebuilt|rewrite|redo)",
        r"(?:heavy|heavily|lots of|a lot of) edit\w*",
        r"caught it (?:before|in time|just)",
        r"only caught",
        r"second pair of eyes",
        r"won't let it near",
        r"disappoint\w*",
        r"frustrat\w*",
        r"annoy\w*",
        r"meh",
        r"nope",
        r"bad",
        r"poor(?:ly)?",
        r"terrible",
        r"awful",
        r"horrible",
        r"worse",
        r"worst",
        r"dumber",
        r"laz(?:y|ier)",
        r"regress(?:ed|ion|ions)",
        r"hated",
        r"ugly",
        r"off-?brand",
        r"clunky",
        r"bland",
        r"generic",
        r"robotic",
        r"stilted",
        r"wooden",
        r"awkward",
        r"weak",
        r"sloppy",
        r"shallow",
        r"vague",
        r"mediocre",
        r"filler",
        r"sadly",
        r"unfortunately",
        r"(?:stopped|paused|pulled|disabled|blocked|banned|turned off|switched off) (?:it|the|using|and|for now)",
        r"ended up in",
        r"(?:so|and) (?:i|we) (?:stopped|paused|gave up|quit|pulled the plug)",
        r"(?:came out|was|were|is|came back) (?:empty|blank)",
        r"nicht funktioniert",
        r"no funcion\w*",
        r"n'a pas (?:marché|fonctionné)",
        fail=1.0,
    ),
    *_cues(
        "hedge",
        r"mostly",
        r"partly",
        r"kind of",
        r"sort of",
        r"more or less",
        r"a touch",
        r"a bit",
        r"slightly",
        r"somewhat",
        r"though",
        fail=0.3,
    ),
    # ---- surprise ----------------------------------------------------------------------------
    *_cues(
        "surprise",
        r"surpris\w*",
        r"unexpected(?:ly)?",
        r"(?:didn't|hadn't|never|wasn't|weren't) expect(?:ed|ing)?",
        r"turns out",
        r"turned out (?:that|it|to)",
        r"had no idea",
        r"no idea (?:it|that|they|you)",
        r"never (?:thought|knew|imagined|guessed|realised|realized)",
        r"never would(?:'ve| have) (?:thought|guessed|imagined)",
        r"(?:i was|i'm|i am|we were|was) (?:\w+ )?(?:skeptical|sceptical|doubtful|dubious)",
        r"(?:didn't|never) think (?:that|this|it) (?:was|would be|is|were) possible",
        r"new to me",
        r"learn(?:ed|t) (?:[\w'-]+ ){0,3}(?:that )?it (?:can|could|does)",
        r"(?:i|we) stand corrected",
        r"who (?:knew|would have thought|would've thought|'d have thought)",
        r"to my (?:surprise|amazement|astonishment)",
        r"blown away",
        r"blew (?:me|us) away",
        r"blew my mind",
        r"mind[\s=-]*blown",
        r"mind-?blowing",
        r"wow",
        r"whoa",
        r"woah",
        r"shock\w*",
        r"astonish\w*",
        r"amaz(?:ed|ing|ingly)",
        r"stunn\w*",
        r"impressed",
        r"(?:didn't|did not) (?:know|realise|realize|think) (?:it|that|they|you|these|this) (?:could|can|would)",
        r"(?:didn't|did not) (?:realise|realize)",
        r"(?:didn't|did not) see (?:that|it|this) coming",
        r"caught me off guard",
        r"(?:better|more|faster) than (?:i|we)(?:'d| had)? (?:expected|thought|hoped)",
        r"than expected",
        r"til",
        r"(?:assumed|thought) (?:\w+ ){0,3}(?:couldn't|can't|wouldn't|cannot)",
        r"(?:assumed|expected|thought|figured) (?:[\w'-]+ ){0,3}(?:would|'d) (?:choke|fail|struggle|break|mess|miss|be useless|be bad|get (?:it|this|that) wrong)",
        r"jaw[- ]?(?:drop\w*|on the floor)",
        r"(?:didn't|did not) think it would",
        surprise=1.0,
    ),
    # ---- it worked ---------------------------------------------------------------------------
    *_cues(
        "worked",
        r"work(?:ed|s)",
        r"nailed(?: it)?",
        r"saved (?:me|us)",
        r"sav(?:es|ed|ing) (?:\w+ ){0,2}(?:time|hours?|an hour|a day|minutes|morning|afternoon)",
        r"time[- ]saver",
        r"spot[- ]on",
        r"(?:caught|found|spotted|flagged|noticed|fixed) (?:a|an|the|two|three|four|\d+|several|some|real|my|our) (?:\w+ )?(?:mistakes?|errors?|bugs?|typos?|problems?|issues?|gaps?|inconsistenc\w*)",
        r"help(?:ed|s|ful)?",
        r"useful",
        r"handy",
        r"great",
        r"excellent",
        r"perfect(?:ly)?",
        r"solid",
        r"clean(?:ly)?",
        r"accurate(?:ly)?",
        r"correct(?:ly)?",
        r"reliable",
        r"brilliant",
        r"fantastic",
        r"good",
        r"decent",
        r"nice(?:ly)?",
        r"well",
        r"right",
        r"fine",
        r"checked out",
        r"matched",
        r"exactly (?:what|right)",
        r"first (?:try|time|run|go|pass)",
        r"all green",
        r"tests? pass\w*",
        r"approved",
        r"signed off",
        r"liked it",
        r"loved it",
        r"landed",
        r"in half",
        r"reads? (?:well|naturally)",
        r"read naturally",
        r"(?:barely|no|zero|minor|small) (?:edits|tweaks|changes)",
        r"better than",
        r"got there",
        r"did the job",
        r"gut",
        r"funktioniert",
        r"funcionó",
        r"gagner",
        work=1.0,
    ),
)


def _expand(pattern: str) -> str:
    """Let a written contraction also match its spellings without apostrophe and in full."""
    pattern = pattern.replace("won't", "(?:won'?t|will not)").replace(
        "can't", "(?:can'?t|cannot|can not)"
    )
    return re.sub(r"(\w)n't", r"\1(?:n'?t| not)", pattern)


def _group_end(pattern: str, start: int) -> int:
    """The index of the `)` closing the group opened at `start`."""
    depth = 0
    index = start
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = pattern.index("]", index + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(pattern)


def _split_top(inner: str) -> list[str]:
    parts, depth, last, index = [], 0, 0, 0
    while index < len(inner):
        char = inner[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = inner.index("]", index + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(inner[last:index])
            last = index + 1
        index += 1
    parts.append(inner[last:])
    return parts


def first_chars(pattern: str) -> frozenset[str] | None:
    """The lowercase characters a match of the pattern can start with; None when unsure."""
    if not pattern:
        return None
    if pattern.startswith("(?<"):
        return first_chars(pattern[_group_end(pattern, 0) + 1 :])
    if pattern.startswith("(?:"):
        end = _group_end(pattern, 0)
        found: set[str] = set()
        for alternative in _split_top(pattern[3:end]):
            chars = first_chars(alternative)
            if chars is None:
                return None
            found |= chars
        if pattern[end + 1 : end + 2] in ("?", "*"):
            rest = first_chars(pattern[end + 2 :])
            if rest is None:
                return None
            found |= rest
        return frozenset(found)
    if pattern.startswith("\\$"):
        head, size = frozenset("$"), 2
    elif pattern.startswith("\\d"):
        head, size = frozenset("0123456789"), 2
    elif pattern[0].isalnum() or pattern[0] in "'+^":
        head, size = frozenset(pattern[0].lower()), 1
    else:
        return None  # a character class, a lookahead, \w: try it everywhere
    if pattern[size : size + 1] in ("?", "*"):
        rest = first_chars(pattern[size + 1 :])
        return None if rest is None else head | rest
    return head


_GUARD_END = r"(?![\w-])"


def _alternation(indexes: list[int]) -> re.Pattern[str]:
    parts = (f"(?P<c{i}>{_expand(CUES[i].pattern)})" for i in indexes)
    return re.compile("(?:" + "|".join(parts) + ")" + _GUARD_END, re.IGNORECASE)


def compiled_by_first_char() -> tuple[dict[str, re.Pattern[str]], re.Pattern[str] | None]:
    """Cue patterns grouped by the character they start with, in table order.

    Reading tries, at each word start, only the cues that can start with its character, so the
    cost per word is small and fixed whatever the table's size. Group `c<i>` is cue i.
    """
    unknown: list[int] = []
    by_char: dict[str, list[int]] = {}
    for index, cue in enumerate(CUES):
        chars = first_chars(_expand(cue.pattern))
        if chars is None:
            unknown.append(index)
            continue
        for char in chars:
            by_char.setdefault(char, []).append(index)
    for indexes in by_char.values():
        indexes.extend(unknown)
        indexes.sort()
    return (
        {char: _alternation(indexes) for char, indexes in by_char.items()},
        _alternation(unknown) if unknown else None,
    )


def compiled() -> re.Pattern[str]:
    """The whole table as one pattern, leftmost first: what reading by first character equals."""
    parts = (f"(?P<c{i}>{_expand(cue.pattern)})" for i, cue in enumerate(CUES))
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + ")" + _GUARD_END, re.IGNORECASE)

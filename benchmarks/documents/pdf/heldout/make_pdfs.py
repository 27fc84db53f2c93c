# INVENTED TEST DATA: the PDFs this script writes are invented test documents for
# kjrel_data's PDF extraction benchmark. They are NOT real publications: the centre,
# the research bureau, the authors, the interviews and the quotations are made up
# (real countries, institutions and past leaders appear only as background).
#
# Usage:  python make_pdfs.py      (needs reportlab; writes into this script's folder)
#
# For every case it writes <case>.pdf, <case>.clean.txt (expected article text) and
# <case>.expected.json. The clean text is derived from the very same Python strings
# that go into the PDF, with footnote markers and markup removed, so the two cannot
# drift apart. Output is deterministic (invariant=1): two runs give identical bytes.

import html
import json
import os
import re

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    FrameBreak,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

HERE = os.path.dirname(os.path.abspath(__file__))
SUBJECT = (
    "Invented test document for kjrel_data's PDF extraction benchmark; not a real publication."
)
INVENTED = "Invented test document: not a real publication."
PAGE_W, PAGE_H = A4

SUPER_RE = re.compile(r"<super>(\d+)</super>")


# --------------------------------------------------------------------------- helpers


def clean_inline(s):
    """Markup string -> expected clean text (markers and tags removed)."""
    s = SUPER_RE.sub("", s)
    s = re.sub(r"<[^>]+>", "", s)
    s = html.unescape(s)
    return re.sub(r"\s+", " ", s).strip()


def pdf_markup(s):
    """Body string -> Paragraph markup: each footnote marker also gets an invisible
    onDraw hook, so the page template learns on which page the marker was drawn."""
    return SUPER_RE.sub(r'<super>\1</super><onDraw name="fnmark" label="\1"/>', s)


class Tracker:
    """Records where footnote markers and body paragraphs were drawn."""

    def __init__(self):
        self.fn_pages = {}  # footnote number -> page
        self.draws = []  # (paragraph id, page, plain text of the drawn part)

    def fnmark(self, canv, kind, label):
        self.fn_pages[int(label)] = canv.getPageNumber()

    def footnotes_on(self, page):
        return sorted(n for n, p in self.fn_pages.items() if p == page)


class TPara(Paragraph):
    """Paragraph that reports each drawn part (also the parts of a split)."""

    def __init__(self, text, style, pid=None, tracker=None, **kw):
        Paragraph.__init__(self, text, style, **kw)
        self.pid = pid
        self.tracker = tracker

    def split(self, availWidth, availHeight):
        parts = Paragraph.split(self, availWidth, availHeight)
        for p in parts:
            p.pid, p.tracker = self.pid, self.tracker
        return parts

    def part_text(self):
        text = self.getPlainText()
        if not text.strip():  # a "simple" split part keeps its words in frag.words
            text = " ".join(w for f in self.frags for w in getattr(f, "words", []))
        return text

    def draw(self):
        if self.tracker is not None and self.pid is not None:
            self.tracker.draws.append((self.pid, self.canv.getPageNumber(), self.part_text()))
        Paragraph.draw(self)


def body_flowables(items, styles, tracker):
    out = []
    for i, (kind, text) in enumerate(items):
        if kind == "li":
            out.append(
                TPara(pdf_markup(text), styles["li"], pid=i, tracker=tracker, bulletText="\u2022")
            )
        else:
            out.append(TPara(pdf_markup(text), styles[kind], pid=i, tracker=tracker))
    return out


def draw_footnotes(canv, tracker, notes, style, x, width, y_top):
    """Draw the footnotes whose markers are on the current page, below a short rule."""
    nums = tracker.footnotes_on(canv.getPageNumber())
    if not nums:
        return
    canv.saveState()
    canv.setLineWidth(0.5)
    canv.line(x, y_top, x + 0.3 * width, y_top)
    y = y_top - 4
    for n in nums:
        p = Paragraph("<super>%d</super> %s" % (n, notes[n]), style)
        _, h = p.wrap(width, 200)
        y -= h
        p.drawOn(canv, x, y)
        y -= 2
    canv.restoreState()
    tracker.fn_bottom = min(getattr(tracker, "fn_bottom", 9999), y)


def write_outputs(case, items, meta):
    clean = "\n\n".join(clean_inline(t) for _, t in items) + "\n"
    with open(os.path.join(HERE, case + ".clean.txt"), "w", encoding="utf-8") as f:
        f.write(clean)
    exp = {
        "invented": INVENTED,
        "title": meta["title"],
        "author": meta["author"],
        "published_date": None,
        "url": None,
        "site_name": None,
        "layout": meta["layout"],
    }
    with open(os.path.join(HERE, case + ".expected.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(exp, ensure_ascii=False, indent=2) + "\n")
    return clean


def check(
    case,
    items,
    tracker,
    doc,
    clean,
    fn_min_pages=1,
    fn_exact_pages=None,
    every_break=True,
    fn_floor=0,
):
    """Sanity checks on the layout that the benchmark relies on."""
    npages = doc.page
    words = len(clean.split())
    assert 2 <= npages <= 4, (case, "pages", npages)
    assert 500 <= words <= 1200, (case, "words", words)
    # every footnote marker was drawn, and its note was drawn on that page (onPageEnd)
    fn_page_set = set(tracker.fn_pages.values())
    assert len(fn_page_set) >= fn_min_pages, (case, tracker.fn_pages)
    if fn_exact_pages is not None:
        assert len(fn_page_set) == fn_exact_pages, (case, tracker.fn_pages)
    assert getattr(tracker, "fn_bottom", 9999) >= fn_floor, (case, "footnotes overflow")
    # paragraphs running across page breaks, mid-sentence
    crossing = []
    for p in range(1, npages):
        last_on_p = [d for d in tracker.draws if d[1] == p][-1]
        first_on_next = next(d for d in tracker.draws if d[1] == p + 1)
        ok = (
            last_on_p[0] == first_on_next[0]
            and items[last_on_p[0]][0] == "p"
            and clean_inline(last_on_p[2])
            and clean_inline(first_on_next[2])
            and not re.search(r"[.!?:;][\"'\u201d\u2019]?$", clean_inline(last_on_p[2]))
        )
        if ok:
            crossing.append(
                (
                    p,
                    clean_inline(last_on_p[2]).split()[-4:],
                    clean_inline(first_on_next[2]).split()[:4],
                )
            )
    if every_break:
        assert len(crossing) == npages - 1, (case, "page breaks not all mid-paragraph", crossing)
    else:
        assert crossing, (case, "no paragraph across a page break")
    print(
        "%s: %d pages, %d words, footnotes on pages %s" % (case, npages, words, sorted(fn_page_set))
    )
    for p, a, b in crossing:
        print("   page %d -> %d: ... %s | %s ..." % (p, p + 1, " ".join(a), " ".join(b)))


# ====================================================================== CASE 1
# Two-column university research-centre issue brief.

C1 = "centre-issue-brief-two-column-footnotes"
C1_CENTRE = "Centre for Northeast Asian Policy Studies"
C1_UNIV = "Hallworth University"
C1_DATE = "14 March 2024"
C1_SERIES = "ISSUE BRIEF No. 17"
C1_TITLE = "After the Thaw: Rebuilding Trust in Japan\u2013Korea Semiconductor Supply Chains"
C1_AUTHORS = ["Hana Kessler", "Park Ji-won"]

C1_BODY = [
    (
        "p",
        "When Tokyo announced in July 2019 that exports of three specialty chemicals to "
        "South Korea would require individual licences, officials in both capitals "
        "described the move in the language of procedure rather than punishment. Few "
        "observers were persuaded. The measures on fluorinated polyimide, photoresists and "
        "high-purity hydrogen fluoride arrived months after the Korean Supreme Court's "
        "rulings on wartime labour, and they were followed in August by Korea's removal "
        "from Japan's list of preferred trading partners.<super>1</super> Seoul answered "
        "in kind and took the dispute to the World Trade Organization.",
    ),
    ("h", "What the dispute actually changed"),
    (
        "p",
        "Four years later the formal dispute is over. Japan lifted the licensing "
        "requirements in March 2023, Korea withdrew its WTO complaint the same month, and "
        "by the summer both governments had restored each other to their preferential "
        "export lists. Yet the episode left marks that a diplomatic settlement cannot "
        "erase. Korean chipmakers, which had assumed that their Japanese suppliers were as "
        "reliable as the electricity grid, spent heavily on qualifying alternative sources "
        "and on domestic production of the most exposed materials. Japanese suppliers, for "
        "their part, learned that a single political decision in Tokyo could put a "
        "long-standing customer relationship at risk.",
    ),
    (
        "p",
        "The trade data tell a more nuanced story than either side's rhetoric. Korean "
        "imports of Japanese hydrogen fluoride fell sharply after 2019, as local producers "
        "and suppliers in other countries moved in, but imports of photoresists held up "
        "far better because few firms outside Japan can match the purity required for the "
        "most advanced lithography.<super>2</super> In other words, diversification "
        "succeeded where the technology was mature and stalled where it was not. That "
        "pattern matters for any assessment of whether the two economies are now more or "
        "less interdependent than they were before the dispute began, and it cautions "
        "against the comfortable assumption that supply chains, once disrupted, simply "
        "return to their old shape when the politics improve.",
    ),
    ("h", "Why the thaw is fragile"),
    (
        "p",
        "The rapprochement that began in 2023 rested heavily on political will at the top. "
        "President Yoon Suk Yeol's decision to pursue a domestic solution to the "
        "forced-labour compensation issue removed the immediate trigger for Japanese "
        "retaliation, and Prime Minister Kishida Fumio reciprocated with visits, summits and "
        "the restoration of trade privileges. None of this has been written into law in a "
        "way that would survive a change of government in either country. A future "
        "administration in Seoul that revisited the compensation arrangement, or a future "
        "cabinet in Tokyo that faced pressure from its own right flank, could reopen the "
        "question of export privileges with little procedural difficulty.",
    ),
    (
        "p",
        "Business confidence has also recovered unevenly. In interviews conducted by the "
        "Centre in late 2023 with procurement managers at eleven Korean firms in the "
        "semiconductor and display sectors, most described relations with their Japanese "
        "suppliers as cordial and commercially sound.<super>3</super> But almost all said "
        "they would not reverse the diversification steps taken since 2019, and several "
        "said their boards now required a second qualified supplier for any material "
        "sourced from a single foreign country. The managers did not regard this as a "
        "hostile act towards Japan so much as an ordinary lesson in risk management, one "
        "that their counterparts in Europe and North America had learned during the "
        "pandemic.",
    ),
    (
        "p",
        "Japanese suppliers have drawn their own conclusions. Several of the largest "
        "chemical makers have expanded or announced production facilities inside Korea, "
        "close to their main customers, which both reassures buyers and insulates the "
        "suppliers from any future licensing requirement on exports from Japan. Local "
        "production is not a complete hedge, since key precursors may still be shipped "
        "from Japanese plants, but it changes the calculation for any future government "
        "contemplating trade pressure: measures aimed at Korea would now fall partly on "
        "Japanese-owned factories and their employees. In that sense the 2019 dispute may "
        "have produced a more entangled industry rather than a more separated one.",
    ),
    ("h", "The American dimension"),
    (
        "p",
        "The wider context has shifted in ways that make a return to the 2019 "
        "confrontation less likely, though not impossible. Washington's restrictions on "
        "exports of advanced chips and chipmaking tools to China have pushed Tokyo and "
        "Seoul towards closer coordination, since both host firms that the United States "
        "regards as indispensable to its own controls. At Camp David in August 2023 the "
        "three governments committed themselves to early-warning mechanisms for "
        "supply-chain disruptions, and officials have since met to discuss how such a "
        "system would work in practice.<super>4</super> If those mechanisms acquire real "
        "substance, a unilateral move by either Japan or Korea against the other would "
        "carry a diplomatic cost in Washington as well as in the bilateral relationship.",
    ),
    (
        "p",
        "There is, however, a tension in relying on the United States as a stabiliser. "
        "American policy towards China is itself volatile, and both Japanese and Korean "
        "firms have large commercial stakes in the Chinese market that they are reluctant "
        "to sacrifice. If Washington asks its allies to tighten controls further, the "
        "burden may fall unevenly, and disagreements over who bears the cost could spill "
        "into the bilateral relationship in unexpected ways.",
    ),
    ("h", "Recommendations"),
    (
        "p",
        "Three steps would make the current thaw more durable. First, the two governments "
        "should agree on a standing consultation channel between their trade ministries "
        "for any proposed change to export licensing that affects the other, with a "
        "commitment to give notice before measures take effect. Such a channel would not "
        "prevent either side from acting, but it would remove the element of surprise "
        "that did the most damage in 2019.",
    ),
    (
        "p",
        "Second, industry associations in both countries should build on the informal "
        "contacts that survived the dispute. Joint technical standards for high-purity "
        "materials, mutual recognition of quality testing and shared stockpile data would "
        "give firms a practical interest in stability that does not depend on the mood of "
        "any particular summit.",
    ),
    (
        "p",
        "Third, both governments should resist the temptation to treat trade privileges "
        "as a reward to be granted or withdrawn in response to unrelated disputes. The "
        "lesson of 2019 is that linking historical grievances to supply-chain policy harms "
        "the firms and workers of both countries while doing little to resolve the "
        "grievance itself. Keeping the two tracks separate will require discipline from "
        "leaders who face domestic audiences eager for symbolic victories, but it is the "
        "surest way to prevent the next quarrel from becoming the next trade war.",
    ),
]

C1_NOTES = {
    1: "The removal of Korea from the preferential group of export destinations took effect "
    "on 28 August 2019; Korea removed Japan from its own equivalent list in September.",
    2: "Authors' calculations from customs statistics for the relevant tariff lines, "
    "2018\u20132023. Values rather than volumes are used because unit prices vary "
    "widely by purity grade.",
    3: "Interviews were held between October and December 2023 on condition that neither "
    "the managers nor their firms be named.",
    4: "Joint statement issued after the trilateral summit at Camp David, Maryland, on "
    "18 August 2023, and the authors' conversations with officials in Seoul.",
}

C1_ABOUT = [
    "<b>About the authors</b>",
    "<b>Hana Kessler</b> is a senior research fellow at the Centre for Northeast Asian "
    "Policy Studies, where she leads the programme on economic security.",
    "<b>Park Ji-won</b> is a doctoral researcher in the Department of Politics at Hallworth "
    "University and a visiting fellow at the Centre.",
    "The views expressed are the authors' own and do not represent those of the Centre or "
    "the University.",
]


def build_case1():
    tracker = Tracker()
    margin_x, gap = 54.0, 20.0
    col_w = (PAGE_W - 2 * margin_x - gap) / 2
    body_top = PAGE_H - 66
    fn_top = 128.0  # footnote zone: from fn_top down to ~50
    body_bottom = fn_top + 8
    title_h = 150.0

    s_body = ParagraphStyle(
        "c1body",
        fontName="Times-Roman",
        fontSize=11,
        leading=15,
        alignment=TA_JUSTIFY,
        spaceAfter=6,
    )
    s_head = ParagraphStyle(
        "c1head",
        fontName="Helvetica-Bold",
        fontSize=10.5,
        leading=14,
        spaceBefore=6,
        spaceAfter=3,
        keepWithNext=1,
        textColor=colors.HexColor("#1f3b63"),
    )
    s_fn = ParagraphStyle("c1fn", fontName="Times-Roman", fontSize=7.5, leading=9)
    s_series = ParagraphStyle(
        "c1series",
        fontName="Helvetica-Bold",
        fontSize=8.5,
        leading=11,
        textColor=colors.HexColor("#8a1c1c"),
        spaceAfter=6,
    )
    s_title = ParagraphStyle(
        "c1title",
        fontName="Helvetica-Bold",
        fontSize=19,
        leading=23,
        textColor=colors.HexColor("#1f3b63"),
        spaceAfter=10,
    )
    s_byline = ParagraphStyle("c1by", fontName="Helvetica", fontSize=10.5, leading=14)
    s_inst = ParagraphStyle("c1inst", fontName="Helvetica-Oblique", fontSize=9, leading=12)
    s_about = ParagraphStyle(
        "c1about", fontName="Helvetica", fontSize=8, leading=10.5, spaceAfter=3
    )

    def on_page(canv, doc):
        canv.setNamedCB("fnmark", tracker.fnmark)
        canv.saveState()
        canv.setFont("Helvetica-Bold", 8)
        canv.setFillColor(colors.HexColor("#1f3b63"))
        canv.drawString(margin_x, PAGE_H - 40, C1_CENTRE)
        canv.setFont("Helvetica", 8)
        canv.drawRightString(PAGE_W - margin_x, PAGE_H - 40, C1_DATE)
        canv.setStrokeColor(colors.HexColor("#1f3b63"))
        canv.setLineWidth(0.7)
        canv.line(margin_x, PAGE_H - 46, PAGE_W - margin_x, PAGE_H - 46)
        canv.setFillColor(colors.black)
        canv.setFont("Helvetica", 8)
        canv.drawCentredString(PAGE_W / 2, 30, "%s | page %d" % (C1_CENTRE, canv.getPageNumber()))
        canv.restoreState()

    def on_page_end(canv, doc):
        draw_footnotes(canv, tracker, C1_NOTES, s_fn, margin_x, PAGE_W - 2 * margin_x, fn_top)

    def columns(top):
        return [
            Frame(
                margin_x,
                body_bottom,
                col_w,
                top - body_bottom,
                id="left",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            ),
            Frame(
                margin_x + col_w + gap,
                body_bottom,
                col_w,
                top - body_bottom,
                id="right",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            ),
        ]

    title_frame = Frame(
        margin_x,
        body_top - title_h,
        PAGE_W - 2 * margin_x,
        title_h,
        id="title",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    first = PageTemplate(
        "first",
        [title_frame, *columns(body_top - title_h - 4)],
        onPage=on_page,
        onPageEnd=on_page_end,
    )
    later = PageTemplate("later", columns(body_top), onPage=on_page, onPageEnd=on_page_end)

    path = os.path.join(HERE, C1 + ".pdf")
    doc = BaseDocTemplate(
        path,
        pagesize=A4,
        pageTemplates=[first, later],
        invariant=1,
        title=C1_TITLE,
        author="; ".join(C1_AUTHORS),
        subject=SUBJECT,
        leftMargin=margin_x,
        rightMargin=margin_x,
    )

    story = [
        NextPageTemplate("later"),
        Paragraph(C1_SERIES, s_series),
        Paragraph(C1_TITLE, s_title),
        Paragraph(" and ".join(C1_AUTHORS), s_byline),
        Paragraph(f"{C1_CENTRE}, {C1_UNIV}", s_inst),
        Paragraph(C1_DATE, s_inst),
        Spacer(1, 8),
        HRFlowable(width="100%", thickness=1.2, color=colors.HexColor("#1f3b63")),
        FrameBreak(),
    ]
    story += body_flowables(C1_BODY, {"p": s_body, "h": s_head}, tracker)
    about = Table([[[Paragraph(t, s_about) for t in C1_ABOUT]]], colWidths=[col_w])
    about.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8edf4")),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#1f3b63")),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story += [Spacer(1, 10), about]
    doc.build(story)

    meta = {
        "title": C1_TITLE,
        "author": "; ".join(C1_AUTHORS),
        "layout": (
            "A4 university-centre issue brief: full-width title block on page 1, "
            "then a two-column body (two Frames per page) over three pages, "
            "running header with the centre's name and the date on every page, "
            "footer 'Centre for Northeast Asian Policy Studies | page N', "
            "bold crossheads, footnotes at the bottom of pages 1 and 2, a "
            "paragraph running across each of the two page breaks, and an 'About the authors' box "
            "at the end."
        ),
    }
    clean = write_outputs(C1, C1_BODY, meta)
    check(C1, C1_BODY, tracker, doc, clean, fn_exact_pages=2, fn_floor=46)


# ====================================================================== CASE 2
# Single-column parliamentary-research-style report section.

C2 = "parliamentary-research-numbered-sections"
C2_BUREAU = "Legislative Research Bureau"
C2_SERIES = "Research Paper No. 7, 2023\u201324"
C2_TITLE = "Japan\u2013South Korea Relations: The Forced-Labour Compensation Settlement"
C2_SHORT = "Forced-labour compensation settlement"
C2_AUTHOR = "Eleanor Marsh-Whitby"
C2_SECTION = "Foreign Affairs, Defence and Trade Section"
C2_DATE = "18 June 2024"

C2_BODY = [
    ("h", "1. Background"),
    (
        "p",
        "Relations between Japan and the Republic of Korea have long been shaped by "
        "disputes over the period of Japanese colonial rule from 1910 to 1945. Among the "
        "most persistent is the question of compensation for Koreans who were mobilised to "
        "work in Japanese mines, factories and shipyards during the Second World War. "
        "Estimates of the number involved vary widely, and the records that survive are "
        "incomplete.<super>1</super>",
    ),
    (
        "p",
        "The Japanese Government\u2019s position is that all claims arising from the "
        "colonial period were settled by the 1965 Agreement on the Settlement of Problems "
        "concerning Property and Claims, which accompanied the treaty normalising "
        "relations between the two countries. Under that agreement Japan provided "
        "$300 million in grants and $200 million in loans, much of which the Korean "
        "Government of the day invested in infrastructure and heavy industry rather than "
        "distributing to individuals. Successive Korean governments accepted that the "
        "agreement had closed claims between the two states, but whether individuals "
        "retained a right to sue private companies remained contested.",
    ),
    ("h", "2. The 2018 Supreme Court judgments"),
    (
        "p",
        "In October and November 2018 the Supreme Court of Korea upheld judgments ordering "
        "Nippon Steel and Mitsubishi Heavy Industries to pay damages to former workers. The "
        "court reasoned that claims for compensation for unlawful mobilisation under "
        "colonial rule fell outside the scope of the 1965 agreement, which in its view "
        "concerned only financial and civil debts between the two states.<super>2</super> "
        "Japan rejected the rulings as a breach of international law and made clear that "
        "it expected the companies not to comply.",
    ),
    (
        "p",
        "The judgments set off a chain of reactions. Plaintiffs moved to seize and "
        "liquidate Korean assets of the defendant companies; Japan tightened export "
        "controls on materials used in semiconductor production in mid-2019; and Korea "
        "announced, and then suspended, its withdrawal from a bilateral agreement on the "
        "sharing of military intelligence. The dispute also spilled into everyday life: "
        "consumer boycotts of Japanese beer, clothing and travel cut Korean visitor "
        "numbers to Japan sharply in the second half of 2019, and exchanges between local "
        "governments, schools and sports clubs were quietly postponed or cancelled. For "
        "nearly four years, summit diplomacy between the two countries was largely "
        "frozen.",
    ),
    (
        "p",
        "Attempts to break the deadlock before 2023 made little headway. Proposals "
        "floated in Seoul between 2019 and 2021 included a fund to be financed jointly by "
        "Japanese and Korean companies, topped up by voluntary donations from the public, "
        "and a scheme under which the Korean Government would pay the plaintiffs in "
        "advance and later seek reimbursement. Tokyo rejected any arrangement that "
        "required Japanese firms to pay, while the plaintiffs\u2019 lawyers insisted that "
        "the defendants\u2019 participation was essential. Neither government was willing "
        "to spend domestic political capital on a compromise that the other side might "
        "not accept.",
    ),
    ("h", "3. The March 2023 settlement"),
    (
        "p",
        "On 6 March 2023 the Korean Government announced that compensation ordered by the "
        "courts would be paid by a domestic body, the Foundation for Victims of Forced "
        "Mobilization by Imperial Japan, funded by voluntary contributions from Korean "
        "companies that had benefited from the 1965 funds. The Japanese defendants were "
        "not required to contribute, although Seoul expressed the hope that Japanese firms "
        "would take part of their own accord. The Japanese Government, in response, stated "
        "that it upheld the positions of previous cabinets on the historical record, "
        "including past expressions of remorse and apology.",
    ),
    (
        "p",
        "Supporters described the arrangement as a pragmatic means of paying victims "
        "promptly while removing the legal obstacle to improved relations. Within weeks, "
        "President Yoon Suk Yeol visited Tokyo, the two governments resumed regular "
        "leaders\u2019 meetings, and Japan began restoring Korea\u2019s preferential export "
        "status. By the end of 2023 most of the plaintiffs and bereaved families in the "
        "original cases had accepted payments from the foundation.<super>3</super>",
    ),
    ("h", "4. Reactions in Korea and Japan"),
    (
        "p",
        "Opinion in Korea was sharply divided. Critics, including several surviving "
        "plaintiffs and civic groups that had supported the litigation for decades, argued "
        "that the settlement relieved the Japanese companies of responsibility and denied "
        "victims the acknowledgement they had sought. Opposition parties described it as a "
        "humiliating concession, and opinion polls taken shortly after the announcement "
        "found more respondents opposed to the plan than in favour of it. Some plaintiffs "
        "refused the payments, and litigation over whether the foundation could deposit "
        "compensation with the courts on their behalf continued into 2024.",
    ),
    (
        "p",
        "In Japan the settlement was generally welcomed, although some commentators "
        "questioned whether it would survive a future change of government in Seoul. "
        "Business federations in both countries subsequently announced joint funds for "
        "youth exchanges and scholarships, which some observers saw as an indirect "
        "gesture by Japanese industry; the defendant companies themselves have not "
        "characterised their participation in that way.",
    ),
    ("h", "5. Issues for Parliament"),
    (
        "p",
        "Members may wish to consider the following questions when examining the "
        "settlement and its implications for the Government\u2019s policy towards the "
        "region:",
    ),
    (
        "li",
        "whether the arrangement is likely to prove durable if the political leadership "
        "changes in either country;",
    ),
    (
        "li",
        "how the settlement affects the prospects for trilateral security cooperation "
        "with the United States;",
    ),
    (
        "li",
        "what role, if any, the Government should play in supporting reconciliation "
        "initiatives between civil society groups in Japan and Korea; and",
    ),
    (
        "li",
        "whether disputes over historical claims elsewhere in the region could benefit "
        "from comparable arrangements.",
    ),
    (
        "p",
        "These questions do not have straightforward answers. The experience of the past "
        "decade suggests, however, that settlements reached primarily between governments, "
        "without broad support among those most directly affected, remain vulnerable to "
        "reversal.",
    ),
    (
        "p",
        "For the present, the settlement has achieved its immediate diplomatic purpose. "
        "Leaders\u2019 meetings have resumed, trilateral cooperation with the United States "
        "has deepened, and the export-control dispute has been resolved. Whether it has "
        "addressed the underlying grievance is a separate question, and one on which the "
        "views of the surviving victims, now very few in number, are likely to weigh "
        "heavily in Korean politics for some years to come.",
    ),
]

C2_NOTES = {
    1: "Figures cited by researchers range from several hundred thousand to well over one "
    "million people, depending on which categories of mobilisation are counted.",
    2: "Supreme Court of Korea, judgment of 30 October 2018 (Nippon Steel) and judgments of "
    "29 November 2018 (Mitsubishi Heavy Industries).",
    3: "Figures reported by the foundation. The number of eligible claimants rose after "
    "further judgments against Japanese companies became final in December 2023.",
}

C2_CITATION = (
    "<b>Recommended citation:</b> Marsh-Whitby, E. (2024), <i>Japan\u2013South "
    "Korea Relations: The Forced-Labour Compensation Settlement</i>, Research "
    "Paper No. 7, 2023\u201324, Legislative Research Bureau."
)


def build_case2():
    tracker = Tracker()
    margin_x = 72.0
    width = PAGE_W - 2 * margin_x
    fn_top = 100.0
    body_bottom = fn_top + 8
    body_top = PAGE_H - 70

    s_body = ParagraphStyle(
        "c2body", fontName="Helvetica", fontSize=10, leading=14.5, alignment=TA_LEFT, spaceAfter=7
    )
    s_head = ParagraphStyle(
        "c2head",
        fontName="Helvetica-Bold",
        fontSize=11.5,
        leading=15,
        spaceBefore=8,
        spaceAfter=4,
        keepWithNext=1,
    )
    s_li = ParagraphStyle("c2li", parent=s_body, leftIndent=20, bulletIndent=7, spaceAfter=3)
    s_fn = ParagraphStyle("c2fn", fontName="Helvetica", fontSize=7.5, leading=9.5)
    s_series = ParagraphStyle(
        "c2series",
        fontName="Helvetica",
        fontSize=9,
        leading=12,
        textColor=colors.HexColor("#444444"),
        spaceAfter=8,
    )
    s_title = ParagraphStyle(
        "c2title", fontName="Times-Bold", fontSize=20, leading=24, spaceAfter=12
    )
    s_by = ParagraphStyle("c2by", fontName="Helvetica-Bold", fontSize=10, leading=13)
    s_by2 = ParagraphStyle("c2by2", fontName="Helvetica", fontSize=9.5, leading=13)
    s_cite = ParagraphStyle("c2cite", fontName="Helvetica", fontSize=8.5, leading=11)

    def on_first(canv, doc):
        canv.setNamedCB("fnmark", tracker.fnmark)
        canv.saveState()
        canv.setFillColor(colors.HexColor("#23324a"))
        canv.rect(0, PAGE_H - 52, PAGE_W, 52, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont("Helvetica-Bold", 13)
        canv.drawString(margin_x, PAGE_H - 32, C2_BUREAU.upper())
        canv.restoreState()
        footer(canv)

    def on_later(canv, doc):
        canv.setNamedCB("fnmark", tracker.fnmark)
        canv.saveState()
        canv.setFont("Helvetica-Oblique", 8.5)
        canv.drawRightString(PAGE_W - margin_x, PAGE_H - 42, C2_SHORT)
        canv.setLineWidth(0.5)
        canv.line(margin_x, PAGE_H - 48, PAGE_W - margin_x, PAGE_H - 48)
        canv.restoreState()
        footer(canv)

    def footer(canv):
        canv.saveState()
        canv.setFont("Helvetica", 9)
        canv.drawCentredString(PAGE_W / 2, 34, str(canv.getPageNumber()))
        canv.restoreState()

    def on_page_end(canv, doc):
        draw_footnotes(canv, tracker, C2_NOTES, s_fn, margin_x, width, fn_top)

    first = PageTemplate(
        "first",
        [
            Frame(
                margin_x,
                body_bottom,
                width,
                PAGE_H - 78 - body_bottom,
                id="body1",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
        ],
        onPage=on_first,
        onPageEnd=on_page_end,
    )
    later = PageTemplate(
        "later",
        [
            Frame(
                margin_x,
                body_bottom,
                width,
                body_top - body_bottom,
                id="body",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
        ],
        onPage=on_later,
        onPageEnd=on_page_end,
    )

    path = os.path.join(HERE, C2 + ".pdf")
    # deliberately no title= / author= here: reportlab then writes its defaults
    doc = BaseDocTemplate(
        path,
        pagesize=A4,
        pageTemplates=[first, later],
        invariant=1,
        subject=SUBJECT,
        leftMargin=margin_x,
        rightMargin=margin_x,
    )

    story = [
        NextPageTemplate("later"),
        Paragraph(C2_SERIES, s_series),
        Paragraph(C2_TITLE, s_title),
        Paragraph(C2_AUTHOR, s_by),
        Paragraph(C2_SECTION, s_by2),
        Paragraph(C2_DATE, s_by2),
        Spacer(1, 10),
        HRFlowable(width="100%", thickness=0.8, color=colors.black),
        Spacer(1, 12),
    ]
    story += body_flowables(C2_BODY, {"p": s_body, "h": s_head, "li": s_li}, tracker)
    story += [
        Spacer(1, 12),
        HRFlowable(width="100%", thickness=0.5, color=colors.grey),
        Spacer(1, 4),
        Paragraph(C2_CITATION, s_cite),
    ]
    doc.build(story)

    meta = {
        "title": C2_TITLE,
        "author": C2_AUTHOR,
        "layout": (
            "A4 single-column parliamentary research paper: title block under a "
            "bureau banner on page 1 (no running header there), running header "
            "with a short title on later pages, bare page number as footer, "
            "numbered bold crossheads, a bulleted list, footnotes at the bottom "
            "of pages 1 and 2, a paragraph running across each of the two page "
            "breaks, a 'Recommended citation' line at the end, and no title= or "
            "author= set in the PDF metadata (reportlab defaults)."
        ),
    }
    clean = write_outputs(C2, C2_BODY, meta)
    check(C2, C2_BODY, tracker, doc, clean, fn_floor=46)


if __name__ == "__main__":
    build_case1()
    build_case2()

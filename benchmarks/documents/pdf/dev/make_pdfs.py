# The PDFs made by this script are INVENTED TEST DATA for kjrel_data's PDF extraction
# benchmark, not real publications. Every organisation, author, survey and quotation in them is
# made up; real countries, institutions and past leaders appear only as background.
#
# Usage: python make_pdfs.py   (needs reportlab; writes <case>.pdf, <case>.clean.txt and
# <case>.expected.json next to this file). Output is deterministic (invariant=1).
import io
import json
import os
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    FrameBreak,
    HRFlowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

HERE = os.path.dirname(os.path.abspath(__file__))
SUBJECT = (
    "Invented test document for kjrel_data's PDF extraction benchmark; not a real publication."
)
INVENTED = "Invented test document: not a real publication."

# Footnote markers are written as [^N] in the text strings below.
FN_RE = re.compile(r"\[\^(\d+)\]")


def to_markup(text):
    """Paragraph markup: escaped text, each [^N] -> superscript N plus a zero-width callback
    that records on which page the marker was actually drawn."""
    return FN_RE.sub(
        lambda m: f'<super>{m.group(1)}</super><onDraw name="fnmark" label="{m.group(1)}"/>',
        escape(text),
    )


def to_clean(text):
    return FN_RE.sub("", text)


def clean_text(body):
    paras = [to_clean(t) for _kind, t in body]
    for p in paras:
        assert "\n" not in p and "  " not in p and p == p.strip(), p
    return "\n\n".join(paras) + "\n"


def word_count(body):
    return len(clean_text(body).split())


# ---------------------------------------------------------------------------------------------
# Footnote machinery: onPage installs a callback that collects marker labels drawn on the page;
# onPageEnd draws the matching footnote texts in the reserved zone at the bottom of that page.
# ---------------------------------------------------------------------------------------------
def fn_page_begin(canv):
    labels = []
    canv._fn_labels = labels
    canv.setNamedCB("fnmark", lambda c, kind, label: labels.append(label))


def fn_page_end(canv, footnotes, style, x, width, zone_bottom, zone_top):
    labels = sorted(set(getattr(canv, "_fn_labels", [])), key=int)
    if not labels:
        return
    paras = []
    for lab in labels:
        p = Paragraph(f"<super>{lab}</super> {escape(footnotes[lab])}", style)
        _w, h = p.wrap(width, zone_top - zone_bottom)
        paras.append((p, h))
    total = sum(h for _p, h in paras) + 2 * (len(paras) - 1) + 8
    assert total <= zone_top - zone_bottom, (
        "footnotes overflow zone on page %d" % canv.getPageNumber()
    )
    canv.saveState()
    canv.setStrokeColor(colors.black)
    canv.setLineWidth(0.5)
    canv.line(x, zone_top - 2, x + 1.5 * inch, zone_top - 2)
    canv.restoreState()
    y = zone_top - 8
    for p, h in paras:
        p.drawOn(canv, x, y - h)
        y -= h + 2


def build(path, make_doc, make_story):
    """Two passes: the first counts pages (for 'Page N of M'), the second writes the file."""
    buf = io.BytesIO()
    doc = make_doc(buf, total_pages=0)
    doc.build(make_story())
    total = doc.page
    doc = make_doc(path, total_pages=total)
    doc.build(make_story())
    assert doc.page == total
    return total


def write_case(case, body, expected, pages):
    with open(os.path.join(HERE, case + ".clean.txt"), "w", encoding="utf-8") as f:
        f.write(clean_text(body))
    data = {
        "invented": INVENTED,
        "title": expected["title"],
        "author": expected["author"],
        "published_date": None,
        "url": None,
        "site_name": None,
        "layout": expected["layout"],
    }
    with open(os.path.join(HERE, case + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
    wc = word_count(body)
    assert 500 <= wc <= 1200, (case, wc)
    assert 2 <= pages <= 4, (case, pages)
    print("%-40s %d pages, %d body words" % (case, pages, wc))


def body_flowables(body, styles):
    """Turn ('h'|'p'|'li', text) items into flowables; consecutive 'li' items form one list."""
    out = []
    items = []

    def flush():
        if items:
            out.append(
                ListFlowable(
                    [ListItem(Paragraph(to_markup(t), styles["li"]), leftIndent=16) for t in items],
                    bulletType="bullet",
                    start="\u2022",
                    leftIndent=16,
                    bulletFontName=styles["li"].fontName,
                    bulletFontSize=styles["li"].fontSize,
                    spaceAfter=styles["p"].spaceAfter,
                )
            )
            del items[:]

    for kind, text in body:
        if kind == "li":
            items.append(text)
            continue
        flush()
        if kind == "h":
            # Instead of keepWithNext (which glues heading and paragraph into an unsplittable
            # block), move to the next frame only when there is no room for the heading plus
            # three body lines; the paragraph after a heading can then still split.
            hs, ps = styles["h"], styles["p"]
            out.append(CondPageBreak(hs.spaceBefore + hs.leading + hs.spaceAfter + 3 * ps.leading))
        out.append(Paragraph(to_markup(text), styles[kind]))
    flush()
    return out


# =============================================================================================
# Case 1: single-column commentary, running header on every page, "Page N of M" footer,
# footnotes, recommended-citation line at the end.
# =============================================================================================
C1 = "commentary-single-column-footnotes"
C1_TITLE = "Settled on Paper: The Forced-Labour Compensation Fund and the Limits of Top-Down Reconciliation"
C1_AUTHOR = "Daniel Whitcombe"
C1_INST = "Harbourline Institute for Asian Affairs"
C1_DATE = "12 February 2025"
C1_BODY = [
    (
        "p",
        "When Seoul announced in March 2023 that a domestic foundation would pay the compensation ordered by South Korea’s Supreme Court in the wartime forced-labour cases, the decision was greeted abroad as an act of political courage and at home as something closer to a surrender.[^1] Nearly two years later, both readings look incomplete. The fund has paid most of the plaintiffs who agreed to accept its money, the summit diplomacy it unlocked has survived a change of mood in both capitals, and yet the underlying dispute over what the 1965 settlement did and did not resolve is no closer to a shared answer.",
    ),
    (
        "p",
        "This commentary argues that the arrangement should be judged less as a solution than as a holding pattern. Holding patterns are not failures. They give governments time to build the habits of cooperation that make the next crisis easier to manage. But they also have a fuel limit, and the signs that this one is running low deserve more attention than they have received in Tokyo or Washington.",
    ),
    ("h", "What the fund actually did"),
    (
        "p",
        "The mechanism is simple to describe. A foundation created under Korean law receives voluntary contributions and pays the amounts that courts awarded against Japanese firms. Korean companies that benefited from the 1965 economic cooperation funds were the first to contribute. The Japanese defendants have not, and the Japanese government has framed its own role as reaffirming the remorse expressed by earlier cabinets rather than offering a new apology.[^2]",
    ),
    (
        "p",
        "For the plaintiffs, the choice was stark. Accepting payment meant ending a legal campaign that for some had lasted more than two decades. Refusing meant waiting for the courts to order the seizure and sale of Japanese corporate assets in Korea, a process that could take years and that the government in Seoul had made clear it would rather avoid. Most accepted. A small group, including several of the best-known surviving plaintiffs and the families of some who had died, did not, and their refusal has kept the asset-liquidation cases alive on court dockets.",
    ),
    (
        "p",
        "Diplomatically, the payoff came quickly. Shuttle diplomacy between the two leaders resumed within weeks, Japan restored South Korea to its list of preferred trading partners for export controls, and the two governments joined the United States in a trilateral summit framework later that year. Officials on all three sides still describe the compensation decision as the first domino.[^3]",
    ),
    ("h", "Why the holding pattern is fragile"),
    (
        "p",
        "Three weaknesses stand out. The first is that the arrangement depends on the political will of a single administration. The foundation’s legal basis is sound, but its funding is voluntary and its legitimacy rests on the claim that the state has chosen, in the national interest, to shoulder a burden that the courts placed on foreign companies. A future government that rejects that claim would not need to abolish the foundation; it would only need to stop encouraging contributions and let the liquidation cases proceed.",
    ),
    (
        "p",
        "The second weakness is the absence of any Japanese corporate gesture. Korean officials hoped, and said publicly, that Japanese firms would eventually contribute to a separate youth-exchange or scholarship fund, allowing both sides to point to a shared effort without conceding anything on the legal question. That hope has not been met. Each year without such a gesture makes the arrangement look more one-sided to Korean voters and harder for any future leader to defend.",
    ),
    (
        "p",
        "The third weakness is generational. A survey commissioned by the Harbourline Institute in 2024 found that Koreans in their twenties were markedly more favourable toward Japan than their parents, but also markedly more likely to say that historical issues should be settled by courts rather than by governments.[^4] Warmer feelings about Japanese culture and travel, in other words, do not translate automatically into support for executive bargains over history. Younger Japanese respondents, for their part, knew little about the cases at all.",
    ),
    ("h", "What would make it last"),
    (
        "p",
        "None of this means the arrangement should be abandoned. It means it should be reinforced while the political weather is mild. Tokyo could quietly encourage at least one of the defendant companies to fund a forward-looking initiative, such as a scholarship programme for Korean and Japanese engineering students, that is explicitly unconnected to legal liability. Seoul could put the foundation’s funding on a more predictable footing through a multi-year pledge from the business associations that have already contributed. And both governments could commission a joint review, by historians rather than diplomats, of the documentary record of wartime mobilisation, so that the next round of argument at least starts from agreed facts.",
    ),
    (
        "p",
        "Washington also has a role, though a modest one. American officials were right to praise the 2023 decision, but praise from outside can deepen the impression in Korea that the deal was made for the alliance rather than for the victims. The most useful American contribution now is patience: treating the trilateral framework as an institution to be maintained across administrations rather than as a trophy of one.",
    ),
    (
        "p",
        "Reconciliation between neighbours with a painful past is rarely achieved by a single decision. It is built, or lost, in the decade that follows. The compensation fund bought that decade. Whether it is used well depends on choices that neither government has yet made.",
    ),
]
C1_FOOTNOTES = {
    "1": "The announcement followed a series of 2018 Supreme Court rulings ordering two Japanese companies to compensate former mobilised workers.",
    "2": "The Japanese statement referred back to the 1998 joint declaration of Prime Minister Keizo Obuchi and President Kim Dae-jung.",
    "3": "Author’s interviews with officials in Seoul, Tokyo and Washington, October–November 2024.",
    "4": "Harbourline Institute for Asian Affairs, “Neighbours at a Distance: Youth Attitudes Survey 2024” (internal dataset, n = 2,400).",
}
C1_CITATION = "Recommended citation: Daniel Whitcombe, “Settled on Paper: The Forced-Labour Compensation Fund and the Limits of Top-Down Reconciliation,” Harbourline Commentary No. 47 (Harbourline Institute for Asian Affairs, 12 February 2025)."


def case1():
    W, H = letter
    lm = rm = 1.0 * inch
    top, bottom = 0.9 * inch, 0.75 * inch
    fn_zone = 1.15 * inch
    frame_bottom = bottom + fn_zone
    styles = {
        "p": ParagraphStyle(
            "p",
            fontName="Times-Roman",
            fontSize=11.5,
            leading=15.5,
            alignment=TA_JUSTIFY,
            spaceAfter=8,
        ),
        "h": ParagraphStyle(
            "h", fontName="Times-Bold", fontSize=12.5, leading=16, spaceBefore=6, spaceAfter=5
        ),
    }
    fn_style = ParagraphStyle("fn", fontName="Times-Roman", fontSize=8.5, leading=10.5)

    def make_doc(target, total_pages):
        def on_page(canv, doc):
            fn_page_begin(canv)
            canv.saveState()
            canv.setFont("Helvetica", 8.5)
            canv.setFillColor(colors.HexColor("#333333"))
            canv.drawString(lm, H - 0.6 * inch, C1_INST)
            canv.drawRightString(W - rm, H - 0.6 * inch, "Commentary No. 47 | Settled on Paper")
            canv.setLineWidth(0.4)
            canv.line(lm, H - 0.66 * inch, W - rm, H - 0.66 * inch)
            canv.setFont("Helvetica", 9)
            canv.drawCentredString(
                W / 2, 0.5 * inch, "Page %d of %s" % (doc.page, total_pages or "?")
            )
            canv.restoreState()

        def on_page_end(canv, doc):
            fn_page_end(canv, C1_FOOTNOTES, fn_style, lm, W - lm - rm, bottom, frame_bottom)

        doc = BaseDocTemplate(
            target,
            pagesize=letter,
            leftMargin=lm,
            rightMargin=rm,
            topMargin=top,
            bottomMargin=bottom,
            title=C1_TITLE,
            author=C1_AUTHOR,
            subject=SUBJECT,
            invariant=1,
        )
        frame = Frame(
            lm,
            frame_bottom,
            W - lm - rm,
            H - top - frame_bottom,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate("all", [frame], onPage=on_page, onPageEnd=on_page_end)])
        return doc

    def make_story():
        s = [
            Paragraph(
                "COMMENTARY",
                ParagraphStyle(
                    "k",
                    fontName="Helvetica-Bold",
                    fontSize=9,
                    leading=12,
                    textColor=colors.HexColor("#7a1f1f"),
                    spaceAfter=6,
                ),
            ),
            Paragraph(
                escape(C1_TITLE),
                ParagraphStyle("t", fontName="Times-Bold", fontSize=20, leading=24, spaceAfter=10),
            ),
            Paragraph(
                escape(C1_AUTHOR),
                ParagraphStyle("a", fontName="Times-Italic", fontSize=12, leading=15),
            ),
            Paragraph(
                escape(C1_INST),
                ParagraphStyle("i", fontName="Times-Roman", fontSize=11, leading=14),
            ),
            Paragraph(
                escape(C1_DATE),
                ParagraphStyle("d", fontName="Times-Roman", fontSize=11, leading=14, spaceAfter=8),
            ),
            HRFlowable(
                width="100%", thickness=0.8, color=colors.black, spaceBefore=2, spaceAfter=12
            ),
        ]
        s += body_flowables(C1_BODY, styles)
        s += [
            HRFlowable(
                width="100%", thickness=0.4, color=colors.grey, spaceBefore=10, spaceAfter=6
            ),
            Paragraph(
                escape(C1_CITATION),
                ParagraphStyle("c", fontName="Times-Italic", fontSize=9, leading=11.5),
            ),
        ]
        return s

    pages = build(os.path.join(HERE, C1 + ".pdf"), make_doc, make_story)
    write_case(
        C1,
        C1_BODY,
        {
            "title": C1_TITLE,
            "author": C1_AUTHOR,
            "layout": "Single-column US-letter commentary: title block (kicker, title, author, institution, date) on page 1, running header (institution left, series and short title right) on every page, centred 'Page N of M' footer, numbered footnotes at the foot of the page they are cited on, and an italic recommended-citation line after the body.",
        },
        pages,
    )


# =============================================================================================
# Case 2: two-column policy brief, full-width title block on page 1, header on every page,
# bare page number footer, footnotes, "About the Forum" box at the end.
# =============================================================================================
C2 = "policy-brief-two-column-title-block"
C2_TITLE = "Beyond the White List: Making Japan–Korea Export-Control Cooperation Crisis-Proof"
C2_AUTHORS = ["Hana Seo", "Kenji Morimoto"]
C2_INST = "Pacific Concord Forum"
C2_DATE = "September 2024"
C2_BODY = [
    (
        "p",
        "In July 2019 Japan tightened licensing requirements on three chemicals essential to South Korea’s semiconductor and display industries, and a month later removed South Korea from the group of trusted destinations that enjoy simplified export procedures.[^1] Seoul responded in kind, filed a complaint at the World Trade Organization and launched a national campaign to localise supply chains. The measures were lifted in stages in 2023, and the two governments now describe the episode as closed.",
    ),
    (
        "p",
        "Closed is not the same as resolved. The 2019 dispute revealed that the export-control relationship between two of the world’s most tightly integrated technology economies rested on informal trust rather than on institutions. When political relations soured over wartime history, that trust evaporated, and there was no mechanism to stop a disagreement about compensation from becoming a disagreement about photoresists. This brief sets out why the current calm should not be mistaken for resilience and proposes four steps that would make a repeat less likely.",
    ),
    ("h", "What the dispute exposed"),
    (
        "p",
        "Officially, Tokyo justified the 2019 measures on security grounds, citing inadequate Korean controls and a lack of policy dialogue. Few observers in either country believed that was the whole story, and the timing, months after Korean court rulings on forced labour, made the linkage difficult to deny. Whatever the motive, the episode showed that export-control status could be altered quickly by one side, with limited notice and without a bilateral forum in which the technical concerns could be tested.",
    ),
    (
        "p",
        "The economic damage was smaller than first feared. Korean chipmakers drew on inventories, qualified alternative suppliers and accelerated domestic production of high-purity hydrogen fluoride. Japanese chemical exporters, for their part, lost market share that they have only partly regained.[^2] Yet the strategic cost was real: for four years, two close partners of the United States spent diplomatic energy on a dispute with each other at the very moment when Washington was asking both to coordinate controls on advanced technology. Neither government emerged from the episode with its reputation as a predictable trading partner enhanced, and firms in both countries quietly began to price political risk into decisions that had once been purely commercial.",
    ),
    ("h", "Why the restoration is fragile"),
    (
        "p",
        "The 2023 restoration was a political decision taken at the leaders’ level and implemented by ministerial notice. That was the right way to end the dispute quickly, but it means the same tools remain available to any future government that wants to use them. Neither side has amended its legal framework to require consultation before changing the other’s status, and the working-level dialogue that was meant to prevent misunderstandings met only intermittently before 2019.",
    ),
    (
        "p",
        "There is also a new complication. Both countries are now aligning their controls with American restrictions on semiconductor equipment and advanced computing, while also protecting their firms’ large commercial stakes in the Chinese market. Differences in how Tokyo and Seoul interpret these obligations, for instance on servicing equipment already installed in Chinese plants, could become a fresh source of mistrust if they are not discussed early and in private.[^3]",
    ),
    ("h", "Recommendations"),
    (
        "p",
        "First, the two governments should institutionalise their export-control dialogue by agreeing to meet at least twice a year at director-general level, with a standing technical working group that exchanges information on licensing practice, enforcement cases and catch-all controls. Meetings should continue regardless of the state of political relations, precisely because their value lies in their predictability.",
    ),
    (
        "p",
        "Second, each side should commit, in a joint statement, to give the other a minimum period of notice and an opportunity for consultation before changing its country-group status. Such a commitment would not bind either government’s hands on genuine security matters, but it would raise the political cost of using export controls as a lever in unrelated disputes.",
    ),
    (
        "p",
        "Third, Tokyo and Seoul should coordinate their approaches to the new American technology controls through a trilateral channel that includes officials from the United States. Coordinating early would help the three governments avoid situations in which firms in one country are allowed to do what firms in another are forbidden to do, an asymmetry that breeds resentment and invites circumvention.",
    ),
    (
        "p",
        "Fourth, both governments should support private-sector supply-chain mapping for critical materials, shared on a confidential basis with regulators. The 2019 shock was partly a shock of ignorance: neither government had a clear picture of how dependent specific production lines were on specific suppliers. Better information would not prevent a political crisis, but it would make the consequences easier to manage.",
    ),
    ("h", "Conclusion"),
    (
        "p",
        "Export controls are meant to keep sensitive technology away from adversaries, not to settle scores between partners. The lesson of 2019 is that without institutions, the line between the two can blur within weeks. The current period of good relations is the ideal moment to build those institutions, because it is the moment when doing so costs least and signals most.[^4]",
    ),
]
C2_FOOTNOTES = {
    "1": "The three items were fluorinated polyimide, photoresist and hydrogen fluoride.",
    "2": "Estimates of lost market share vary by product; see the Forum’s trade dataset described in Policy Brief No. 27.",
    "3": "Interviews by the authors with industry representatives in Seoul and Tokyo, May 2024.",
    "4": "The authors thank participants in the Forum’s July 2024 roundtable for comments on an earlier draft.",
}
C2_ABOUT_HEAD = "About the Forum"
C2_ABOUT = "The Pacific Concord Forum is an independent research network that studies economic security and regional cooperation in Northeast Asia. Its policy briefs are peer-reviewed; the views expressed are those of the authors alone."


def case2():
    W, H = letter
    lm = rm = 0.75 * inch
    top, bottom = 0.85 * inch, 0.7 * inch
    gutter = 0.3 * inch
    fn_zone = 0.95 * inch
    col_w = (W - lm - rm - gutter) / 2
    title_h = 1.75 * inch
    frame_bottom = bottom + fn_zone
    styles = {
        "p": ParagraphStyle(
            "p", fontName="Helvetica", fontSize=10, leading=14, alignment=TA_LEFT, spaceAfter=7
        ),
        "h": ParagraphStyle(
            "h",
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=14,
            spaceBefore=5,
            spaceAfter=4,
            textColor=colors.HexColor("#0b3d6b"),
        ),
    }
    fn_style = ParagraphStyle("fn", fontName="Helvetica", fontSize=7.5, leading=9.5)

    def header_footer(canv, doc):
        fn_page_begin(canv)
        canv.saveState()
        canv.setFillColor(colors.HexColor("#0b3d6b"))
        canv.setFont("Helvetica-Bold", 8)
        canv.drawString(lm, H - 0.55 * inch, "PACIFIC CONCORD FORUM")
        canv.setFont("Helvetica", 8)
        canv.drawRightString(W - rm, H - 0.55 * inch, "Policy Brief No. 31 | September 2024")
        canv.setStrokeColor(colors.HexColor("#0b3d6b"))
        canv.setLineWidth(1)
        canv.line(lm, H - 0.62 * inch, W - rm, H - 0.62 * inch)
        canv.setFillColor(colors.black)
        canv.setFont("Helvetica", 9)
        canv.drawCentredString(W / 2, 0.45 * inch, "%d" % doc.page)
        canv.restoreState()

    def on_page_end(canv, doc):
        fn_page_end(canv, C2_FOOTNOTES, fn_style, lm, W - lm - rm, bottom, frame_bottom)

    def make_doc(target, total_pages):
        doc = BaseDocTemplate(
            target,
            pagesize=letter,
            leftMargin=lm,
            rightMargin=rm,
            topMargin=top,
            bottomMargin=bottom,
            title=C2_TITLE,
            author="; ".join(C2_AUTHORS),
            subject=SUBJECT,
            invariant=1,
        )
        pad = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        col_top = H - top - title_h
        first = [
            Frame(lm, col_top, W - lm - rm, title_h, id="title", **pad),
            Frame(lm, frame_bottom, col_w, col_top - frame_bottom, id="c1", **pad),
            Frame(lm + col_w + gutter, frame_bottom, col_w, col_top - frame_bottom, id="c2", **pad),
        ]
        later = [
            Frame(lm, frame_bottom, col_w, H - top - frame_bottom, id="c1", **pad),
            Frame(lm + col_w + gutter, frame_bottom, col_w, H - top - frame_bottom, id="c2", **pad),
        ]
        doc.addPageTemplates(
            [
                PageTemplate("first", first, onPage=header_footer, onPageEnd=on_page_end),
                PageTemplate("later", later, onPage=header_footer, onPageEnd=on_page_end),
            ]
        )
        return doc

    def make_story():
        s = [
            NextPageTemplate("later"),
            Paragraph(
                "POLICY BRIEF",
                ParagraphStyle(
                    "k",
                    fontName="Helvetica-Bold",
                    fontSize=9,
                    leading=12,
                    textColor=colors.HexColor("#b35900"),
                    spaceAfter=4,
                ),
            ),
            Paragraph(
                escape(C2_TITLE),
                ParagraphStyle(
                    "t", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=8
                ),
            ),
            Paragraph(
                escape(" and ".join(C2_AUTHORS)),
                ParagraphStyle("a", fontName="Helvetica-Bold", fontSize=10.5, leading=13.5),
            ),
            Paragraph(
                escape(C2_INST) + " &#183; " + escape(C2_DATE),
                ParagraphStyle("i", fontName="Helvetica", fontSize=10, leading=13),
            ),
            HRFlowable(width="100%", thickness=0.6, color=colors.grey, spaceBefore=8, spaceAfter=0),
            FrameBreak(),
        ]
        s += body_flowables(C2_BODY, styles)
        box = Table(
            [
                [
                    Paragraph(
                        f"<b>{escape(C2_ABOUT_HEAD)}</b>",
                        ParagraphStyle("bh", fontName="Helvetica-Bold", fontSize=9, leading=12),
                    )
                ],
                [
                    Paragraph(
                        escape(C2_ABOUT),
                        ParagraphStyle("bt", fontName="Helvetica", fontSize=8.5, leading=11),
                    )
                ],
            ],
            colWidths=[col_w],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8eef5")),
                    ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#0b3d6b")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        s += [Spacer(1, 8), box]
        return s

    pages = build(os.path.join(HERE, C2 + ".pdf"), make_doc, make_story)
    write_case(
        C2,
        C2_BODY,
        {
            "title": C2_TITLE,
            "author": "; ".join(C2_AUTHORS),
            "layout": "Two-column US-letter policy brief: full-width title block (kicker, title, two authors, institution and date) above the columns on page 1, institution/series header on every page, bare centred page number footer, full-width footnotes under the columns, and a shaded 'About the Forum' box after the body.",
        },
        pages,
    )


# =============================================================================================
# Case 3: single-column working-paper chapter, crossheads, bulleted list, "- N -" footer,
# no running header, no footnotes, no title/author metadata.
# =============================================================================================
C3 = "working-paper-chapter-bulleted-list"
C3_SERIES = "Northgate Centre for Strategic Studies | Working Paper 24-07"
C3_CHAPTER = "Chapter 3"
C3_TITLE = "Sharing the Radar Picture: Japan–South Korea Security Cooperation after Camp David"
C3_AUTHORS = ["Park Min-seo", "Erik Lindqvist"]
C3_INST = "Northgate Centre for Strategic Studies"
C3_DATE = "November 2024"
C3_BODY = [
    (
        "p",
        "Few areas of the Japan–South Korea relationship have swung as sharply as military cooperation. In 2016 the two governments signed a General Security of Military Information Agreement after years of hesitation. In 2019 Seoul announced it would let the agreement lapse, then reversed itself hours before the deadline. A dispute in late 2018 over whether a Korean destroyer had directed its fire-control radar at a Japanese patrol aircraft chilled defence contacts for years afterwards. By the end of 2023 the same two militaries were sharing real-time missile-warning data through a trilateral arrangement with the United States.",
    ),
    (
        "p",
        "This chapter asks what changed, and whether the new arrangements are sturdy enough to survive the next downturn in political relations. It draws on public documents and on interviews with serving and retired officers in both countries conducted between March and August 2024. We argue that the recent progress rests on three foundations of unequal strength: a shared threat perception, a set of new technical links, and a political consensus that is narrower than it appears.",
    ),
    ("h", "A shared threat, seen differently"),
    (
        "p",
        "North Korea’s missile programme is the most obvious driver of cooperation. Korean radars pick up some launches earlier than Japanese ones, and Japanese sensors track the later stages of flights toward the Pacific better than Korean ones, so each side sees part of the picture the other needs. Before 2023 that information was exchanged slowly, by secure telephone or through the United States, and often only after the event had been reported in the media. Yet the two publics read the threat through different lenses. For many Koreans, the North remains a divided part of the nation as well as an adversary; for many Japanese, it is above all the state that abducted Japanese citizens and fires missiles over their islands.",
    ),
    (
        "p",
        "China complicates the picture further. Japanese defence planning now treats China as the principal long-term challenge, while Seoul has been more cautious about naming Beijing, given its economic weight and its influence over Pyongyang. The result is that the two militaries cooperate most comfortably on the North Korean missile problem and least comfortably on anything that could be read in Beijing as containment. Officers in both countries told us that this asymmetry is rarely discussed openly in bilateral meetings, but that it shapes what each side is willing to put on the agenda.",
    ),
    ("h", "The new technical links"),
    (
        "p",
        "Since 2023 the two countries, together with the United States, have put in place a set of practical arrangements that go beyond what existed even in the better years of the previous decade. The most significant are:",
    ),
    (
        "li",
        "a real-time missile-warning data-sharing mechanism, routed through United States systems, that became operational at the end of 2023;",
    ),
    (
        "li",
        "a multi-year plan of trilateral exercises, including regular naval and air drills in international waters near the peninsula;",
    ),
    (
        "li",
        "restored ministerial and vice-ministerial defence dialogues, with a standing working group on maritime incidents;",
    ),
    (
        "li",
        "a joint statement of principles on unplanned encounters at sea, intended to prevent a repeat of the 2018 radar dispute.",
    ),
    (
        "p",
        "These links matter because they create routines. Officers who exercise together, exchange liaison staff and answer each other’s calls during a launch build the kind of working trust that survives changes of government better than summit communiqués do. Several of the officers we interviewed described the data-sharing mechanism in particular as a “plumbing” achievement: invisible when it works, but costly and slow to rebuild once removed.",
    ),
    (
        "p",
        "They also have limits. The data-sharing arrangement runs through American hubs, so it depends on the continued engagement of a third party. The exercise plan is trilateral by design, which leaves few purely bilateral activities that could continue if Washington’s attention shifted. And the incident-management principles are political commitments rather than a legally binding agreement of the kind that governs some other navies’ encounters at sea.",
    ),
    ("h", "A narrow political consensus"),
    (
        "p",
        "The deepest vulnerability lies outside the ministries of defence. Security cooperation with Japan remains contested in Korean domestic politics, where opposition parties have criticised the trilateral framework as drawing the country into great-power rivalry and as rewarding Tokyo without any movement on historical issues. In Japan the debate is quieter, but a substantial share of the public continues to doubt that Korean commitments will outlast the current administration in Seoul.",
    ),
    (
        "p",
        "Public opinion data reinforce the point. Support for defence cooperation with Japan among Korean respondents has risen in recent surveys but remains well below support for the alliance with the United States, and it falls sharply when respondents are reminded of disputes over history or territory. Cooperation that is popular only when nobody is reminded of the past is cooperation that a determined opponent can unravel.",
    ),
    ("h", "Implications"),
    (
        "p",
        "The lesson for policymakers is not to slow down, but to build in ways that are harder to reverse. Bilateral working-level exchanges that do not depend on American hubs, legislative briefings that give opposition parties a stake in the framework, and a gradual move from political statements to formal agreements would all make the current arrangements more durable. The next chapter turns to the economic side of the relationship, where similar questions arise about whether recent progress is structural or merely cyclical.",
    ),
]


def case3():
    W, H = A4
    lm = rm = 28 * mm
    top, bottom = 25 * mm, 25 * mm
    styles = {
        "p": ParagraphStyle(
            "p", fontName="Helvetica", fontSize=10.5, leading=15.5, alignment=TA_LEFT, spaceAfter=9
        ),
        "h": ParagraphStyle(
            "h", fontName="Helvetica-Bold", fontSize=11, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "li": ParagraphStyle("li", fontName="Helvetica", fontSize=10.5, leading=15.5, spaceAfter=3),
    }

    def footer(canv, doc):
        canv.saveState()
        canv.setFont("Helvetica", 9.5)
        canv.drawCentredString(W / 2, 14 * mm, "- %d -" % doc.page)
        canv.restoreState()

    def make_doc(target, total_pages):
        # Deliberately no title= / author=: reportlab then writes its defaults.
        doc = BaseDocTemplate(
            target,
            pagesize=A4,
            leftMargin=lm,
            rightMargin=rm,
            topMargin=top,
            bottomMargin=bottom,
            subject=SUBJECT,
            invariant=1,
        )
        frame = Frame(
            lm,
            bottom,
            W - lm - rm,
            H - top - bottom,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate("all", [frame], onPage=footer)])
        return doc

    def make_story():
        s = [
            Paragraph(
                escape(C3_SERIES),
                ParagraphStyle(
                    "s",
                    fontName="Helvetica",
                    fontSize=8.5,
                    leading=11,
                    textColor=colors.HexColor("#555555"),
                    spaceAfter=18,
                ),
            ),
            Paragraph(
                escape(C3_CHAPTER).upper(),
                ParagraphStyle(
                    "c",
                    fontName="Helvetica-Bold",
                    fontSize=10,
                    leading=13,
                    textColor=colors.HexColor("#2f5d2f"),
                    spaceAfter=4,
                ),
            ),
            Paragraph(
                escape(C3_TITLE),
                ParagraphStyle(
                    "t", fontName="Helvetica-Bold", fontSize=17, leading=21, spaceAfter=10
                ),
            ),
            Paragraph(
                escape(" and ".join(C3_AUTHORS)),
                ParagraphStyle("a", fontName="Helvetica-Oblique", fontSize=10.5, leading=14),
            ),
            Paragraph(
                escape(C3_INST) + ", " + escape(C3_DATE),
                ParagraphStyle("i", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=22),
            ),
        ]
        s += body_flowables(C3_BODY, styles)
        return s

    pages = build(os.path.join(HERE, C3 + ".pdf"), make_doc, make_story)
    write_case(
        C3,
        C3_BODY,
        {
            "title": C3_TITLE,
            "author": "; ".join(C3_AUTHORS),
            "layout": "Single-column A4 working-paper chapter: series line, 'CHAPTER 3' kicker, title, two authors and institution/date on page 1, no running header, centred '- N -' footer, bold crossheads and a four-item bulleted list, no footnotes, and no title/author set in the PDF metadata (reportlab writes '(anonymous)' as both /Title and /Author).",
        },
        pages,
    )


# =============================================================================================
# Case 4: two-column report excerpt, title block on page 1, header on pages 2+ only,
# "© 2024 Institute" footer plus page number, footnotes, author bio box at the end.
# =============================================================================================
C4 = "report-excerpt-two-column-bio-box"
C4_KICKER = "Report excerpt | Chapter 2"
C4_TITLE = "Memory, Markets and Mood: Japanese and South Korean Public Opinion, 2015–2024"
C4_AUTHOR = "Thomas Achterberg"
C4_INST = "Straitview Institute"
C4_DATE = "December 2024"
C4_BODY = [
    (
        "p",
        "Public opinion is often described as the ceiling on Japan–South Korea relations: leaders can move only as far as their voters will tolerate. The data gathered for this report suggest a more complicated picture. Between 2015 and 2024 the two publics became, on several measures, warmer toward each other, yet the issues that divide them did not fade. Instead, attitudes split into layers that move at different speeds: feelings about each other’s people and culture, judgements about the other government, and views on specific disputes.[^1]",
    ),
    ("h", "Warming from below"),
    (
        "p",
        "The most striking trend in our surveys is the improvement in everyday sentiment. The share of Korean respondents who reported a favourable impression of Japan roughly doubled over the period, with the largest gains among people under thirty and, within that group, among young women. Japanese favourability toward Korea followed a similar if flatter curve. Travel, food and popular culture explain much of this. Once pandemic restrictions ended, Japan became a leading overseas destination for Korean tourists, and Korean dramas and music kept a loyal audience across Japanese age groups.",
    ),
    (
        "p",
        "Respondents who had visited the other country in the previous three years were markedly more positive than those who had not, even after controlling for age, education and political affiliation.[^2] Contact does not guarantee sympathy, but in this case it appears to have eroded some of the caricatures that dominated coverage of the 2019 trade dispute. The effect was visible in both directions, although it was somewhat stronger among Korean visitors to Japan than among Japanese visitors to Korea.",
    ),
    ("h", "Stubborn disputes"),
    (
        "p",
        "Views on history have moved far less. Large majorities of Korean respondents continued to say that Japan had not sufficiently apologised for its colonial rule, and large majorities of Japanese respondents continued to say that it had. Support in Korea for the government’s 2023 compensation arrangement for former forced labourers never exceeded two-fifths of respondents in our surveys, and it was lowest among those who followed the issue most closely. Territorial questions showed almost no movement at all.",
    ),
    (
        "p",
        "The release of treated water from the Fukushima Daiichi nuclear plant, which began in August 2023, offers a telling case. Before the release, a large majority of Korean respondents opposed it, and seafood purchases dipped in the weeks after it began. A year later, reported concern had declined substantially and seafood consumption had recovered, although opposition remained the majority view.[^3] Concern, in other words, softened when the feared consequences did not materialise, but the judgement that Japan had acted without adequate consultation proved more durable.",
    ),
    ("h", "Trust in governments"),
    (
        "p",
        "A third layer concerns trust in the other government. Here the picture is the most volatile. Korean trust in the Japanese government rose after the 2023 summits but remained sensitive to events such as textbook revisions and ministerial visits to the Yasukuni Shrine. Japanese trust in the Korean government rose as well, but a large share of Japanese respondents said they expected Korean policy to change after the next presidential election, a view that colours their willingness to invest in long-term commitments. Partisanship mattered in both countries: supporters of the governing party in each country were consistently more trusting of the other government than opposition supporters, and the gap widened in election years.",
    ),
    (
        "p",
        "The gap between warm feelings toward people and cool judgements about governments has practical consequences. It means that leaders on both sides can count on a relatively benign social climate, but not on a reservoir of goodwill that will carry them through a crisis. An incident at sea, a court ruling or a careless remark can still move government-level trust by double digits in a matter of weeks, while the slower-moving cultural affinity barely registers the shock.",
    ),
    ("h", "The trilateral dimension"),
    (
        "p",
        "Respondents in both countries were more supportive of cooperation framed as trilateral, with the United States, than of bilateral cooperation on the same issue. This held for missile defence, supply-chain security and even disaster relief. One interpretation is that American participation reassures each public that the other side will keep its commitments. Another is that trilateral framing makes cooperation feel less like a concession to a historical rival.[^4] Either way, the finding suggests that the trilateral framework serves not only strategic purposes but also a domestic political function.",
    ),
    (
        "p",
        "This has a downside. If American engagement in the region were to weaken, the domestic case for Japan–Korea cooperation would lose one of its most persuasive supports. Policymakers in Tokyo and Seoul would then need arguments for working together that stand on their own, and our data suggest that those arguments have not yet been widely made to either public.",
    ),
    ("h", "Implications for policy"),
    (
        "p",
        "The layered structure of opinion points to three lessons. Governments should protect and expand the people-to-people ties that have driven the improvement, including youth exchanges, visa facilitation and university partnerships. They should avoid assuming that goodwill toward culture translates into acceptance of government bargains on history. And they should explain bilateral cooperation to their publics on its own merits rather than relying on the American connection to do that work for them.",
    ),
]
C4_FOOTNOTES = {
    "1": "The surveys were conducted online each June with quota samples of about 1,000 adults per country; see the methodological appendix of the full report.",
    "2": "Logistic regression results are reported in Table 2.3 of the full report.",
    "3": "Seafood purchase figures are drawn from the retail panel data discussed in Chapter 4.",
    "4": "Both interpretations were raised in focus groups held in Busan and Fukuoka in March 2024.",
}
C4_BIO_HEAD = "About the author"
C4_BIO = "Thomas Achterberg is a senior fellow at the Straitview Institute, where he leads the Northeast Asia Opinion Monitor. He previously worked as a survey methodologist in Seoul and Osaka and writes on public attitudes, memory politics and regional cooperation."


def case4():
    W, H = A4
    lm = rm = 18 * mm
    top, bottom = 20 * mm, 18 * mm
    gutter = 7 * mm
    fn_zone = 24 * mm
    col_w = (W - lm - rm - gutter) / 2
    title_h = 54 * mm
    frame_bottom = bottom + fn_zone
    styles = {
        "p": ParagraphStyle(
            "p",
            fontName="Times-Roman",
            fontSize=10.5,
            leading=13.8,
            alignment=TA_JUSTIFY,
            spaceAfter=6,
            firstLineIndent=0,
        ),
        "h": ParagraphStyle(
            "h", fontName="Times-Bold", fontSize=11, leading=14, spaceBefore=6, spaceAfter=3
        ),
    }
    fn_style = ParagraphStyle("fn", fontName="Times-Roman", fontSize=8, leading=9.8)

    def footer(canv, doc):
        canv.saveState()
        canv.setFont("Times-Roman", 8.5)
        canv.setFillColor(colors.HexColor("#444444"))
        canv.drawString(lm, 10 * mm, "© 2024 Straitview Institute. All rights reserved.")
        canv.setFont("Times-Bold", 9.5)
        canv.setFillColor(colors.black)
        canv.drawRightString(W - rm, 10 * mm, "%d" % doc.page)
        canv.restoreState()

    def on_first(canv, doc):
        fn_page_begin(canv)
        footer(canv, doc)

    def on_later(canv, doc):
        fn_page_begin(canv)
        canv.saveState()
        canv.setFont("Times-Italic", 8.5)
        canv.setFillColor(colors.HexColor("#444444"))
        canv.drawString(lm, H - 12 * mm, "Straitview Institute")
        canv.drawRightString(W - rm, H - 12 * mm, "Memory, Markets and Mood | Chapter 2")
        canv.setLineWidth(0.4)
        canv.line(lm, H - 13.8 * mm, W - rm, H - 13.8 * mm)
        canv.restoreState()
        footer(canv, doc)

    def on_page_end(canv, doc):
        fn_page_end(canv, C4_FOOTNOTES, fn_style, lm, W - lm - rm, bottom, frame_bottom)

    def make_doc(target, total_pages):
        doc = BaseDocTemplate(
            target,
            pagesize=A4,
            leftMargin=lm,
            rightMargin=rm,
            topMargin=top,
            bottomMargin=bottom,
            title=C4_TITLE,
            author=C4_AUTHOR,
            subject=SUBJECT,
            invariant=1,
        )
        pad = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        col_top = H - top - title_h
        first = [
            Frame(lm, col_top, W - lm - rm, title_h, id="title", **pad),
            Frame(lm, frame_bottom, col_w, col_top - frame_bottom, id="c1", **pad),
            Frame(lm + col_w + gutter, frame_bottom, col_w, col_top - frame_bottom, id="c2", **pad),
        ]
        later = [
            Frame(lm, frame_bottom, col_w, H - top - frame_bottom, id="c1", **pad),
            Frame(lm + col_w + gutter, frame_bottom, col_w, H - top - frame_bottom, id="c2", **pad),
        ]
        doc.addPageTemplates(
            [
                PageTemplate("first", first, onPage=on_first, onPageEnd=on_page_end),
                PageTemplate("later", later, onPage=on_later, onPageEnd=on_page_end),
            ]
        )
        return doc

    def make_story():
        s = [
            NextPageTemplate("later"),
            Paragraph(
                escape(C4_KICKER).upper(),
                ParagraphStyle(
                    "k",
                    fontName="Helvetica-Bold",
                    fontSize=8.5,
                    leading=11,
                    textColor=colors.HexColor("#5a2d82"),
                    spaceAfter=8,
                ),
            ),
            Paragraph(
                escape(C4_TITLE),
                ParagraphStyle("t", fontName="Times-Bold", fontSize=21, leading=25, spaceAfter=10),
            ),
            Paragraph(
                escape(C4_AUTHOR),
                ParagraphStyle("a", fontName="Times-Bold", fontSize=11.5, leading=14.5),
            ),
            Paragraph(
                escape(C4_INST),
                ParagraphStyle("i", fontName="Times-Roman", fontSize=10.5, leading=13.5),
            ),
            Paragraph(
                escape(C4_DATE),
                ParagraphStyle("d", fontName="Times-Roman", fontSize=10.5, leading=13.5),
            ),
            HRFlowable(
                width="100%",
                thickness=1.2,
                color=colors.HexColor("#5a2d82"),
                spaceBefore=8,
                spaceAfter=0,
            ),
            FrameBreak(),
        ]
        s += body_flowables(C4_BODY, styles)
        box = Table(
            [
                [
                    Paragraph(
                        escape(C4_BIO_HEAD),
                        ParagraphStyle("bh", fontName="Helvetica-Bold", fontSize=8.5, leading=11),
                    )
                ],
                [
                    Paragraph(
                        escape(C4_BIO),
                        ParagraphStyle("bt", fontName="Helvetica", fontSize=8, leading=10.5),
                    )
                ],
            ],
            colWidths=[col_w],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f0ebf5")),
                    ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#5a2d82")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        s += [Spacer(1, 10), KeepTogether([box])]
        return s

    pages = build(os.path.join(HERE, C4 + ".pdf"), make_doc, make_story)
    write_case(
        C4,
        C4_BODY,
        {
            "title": C4_TITLE,
            "author": C4_AUTHOR,
            "layout": "Two-column A4 report excerpt: full-width title block (kicker, title, author, institution, date) above the columns on page 1 with no header there, running header (institution and short title) on pages 2+ only, footer with '© 2024 Straitview Institute. All rights reserved.' left and the page number right, full-width footnotes under the columns, and a shaded 'About the author' bio box after the body.",
        },
        pages,
    )


if __name__ == "__main__":
    case1()
    case2()
    case3()
    case4()

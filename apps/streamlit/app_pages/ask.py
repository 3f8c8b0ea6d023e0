"""Ask the COO: a question in plain language, answered from the marts with its sources.

Claude answers (streamed into the page) when ``ANTHROPIC_API_KEY`` is set; otherwise the
built-in questions are answered from the marts. Answers and the names in them are shown as
text, never rendered as Markdown; the queries and rows behind each answer are in an
expander, and a figure that no source holds is flagged.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from apps.streamlit import queries, services, ui
from apps.streamlit.auth import current_user
from core.errors import CooError
from core.untrusted import md_text

st.title("Ask the COO")
companies = queries.companies()
if not ui.has_rows(companies):
    ui.no_data("the marts are not built", "Run the main job (`coo demo`), then ask.")
    st.stop()

user = current_user()
company = ui.company_id()
claude = services.claude_configured()
if claude:
    st.caption(
        f"Claude answers with the marts, the knowledge graph and the statements of company "
        f"{company}, as {user.role}. Every figure is checked against the rows it came from."
    )
else:
    st.info(
        "Claude is not configured (no ANTHROPIC_API_KEY): the built-in questions below are "
        "answered from the marts.",
        icon=":material/info:",
    )

HISTORY = "ask_history"
history: list[dict[str, Any]] = st.session_state.setdefault(HISTORY, [])


def _lines(text: str) -> str:
    """Plain text shown exactly: each line escaped, line breaks kept."""
    return "  \n".join(md_text(line) for line in str(text).splitlines())


def _answer_markdown(text: str) -> str:
    """An answer as Markdown of ours around escaped text: a leading "Title:" line in bold,
    "- " lines as bullets, everything they say escaped."""
    out: list[str] = []
    for i, line in enumerate(str(text).splitlines()):
        if line.startswith("- "):
            out.append("- " + md_text(line[2:]))
        elif i == 0 and line.endswith(":"):
            out.append(f"**{md_text(line)}**\n")
        else:
            out.append(md_text(line) + "  ")
    return "\n".join(out)


def _show(answer: dict[str, Any]) -> None:
    if answer.get("notice"):
        st.caption(md_text(answer["notice"]))
    st.markdown(_answer_markdown(answer["text"]))
    if answer.get("flagged"):
        st.warning(
            "Not found in any source: " + md_text(", ".join(answer["flagged"])),
            icon=":material/warning:",
        )
    for proposal in answer.get("proposals") or []:
        st.caption(
            md_text(
                f"Proposal #{proposal.get('id')}: {proposal.get('status')}"
                + (f" ({proposal.get('reason')})" if proposal.get("reason") else "")
                + " — see the Action center."
            )
        )
    sources = answer.get("sources") or []
    if not sources:
        return
    with st.expander(f"Sources: {len(sources)} quer{'y' if len(sources) == 1 else 'ies'}"):
        for i, source in enumerate(sources, 1):
            st.markdown(f"**{i}. {md_text(source['tool'])}**")
            st.code(source["sql"], language="sql" if "select" in source["sql"].lower() else None)
            if source.get("error"):
                st.error(md_text(source["error"]))
            elif source["rows"]:
                frame = pd.DataFrame(source["rows"], columns=source["columns"] or None)
                st.dataframe(frame, hide_index=True, width="stretch")
            else:
                st.caption("No rows.")
    meta = {"claude": "Answered by Claude", "deterministic": "Built-in answer"}.get(
        answer["mode"], answer["mode"]
    )
    if answer.get("model"):
        meta += f" · {answer['model']} · {answer.get('cost_usd', 0):.4f} USD"
    st.caption(meta)


for turn in history:
    with st.chat_message("user"):
        st.markdown(md_text(turn["question"]))
    with st.chat_message("assistant"):
        _show(turn)

picked = None
if not history:
    st.markdown("**Try one of these:**")
    columns = st.columns(3)
    for i, example in enumerate(services.ask_examples()):
        if columns[i % 3].button(example, key=f"ask_example_{i}", width="stretch"):
            picked = example

question = st.chat_input("Ask about cash, customers, deals, stock…") or picked
if question:
    with st.chat_message("user"):
        st.markdown(md_text(question))
    with st.chat_message("assistant"):
        live = st.empty()
        streamed: list[str] = []

        def on_text(delta: str) -> None:
            streamed.append(delta)
            live.markdown(_lines("".join(streamed)) + " ▌")

        try:
            with st.spinner("Looking in the marts…"):
                answer = services.ask(
                    question,
                    user.role,
                    user.name,
                    company,
                    on_text=on_text if claude else None,
                    conversation_id=history[-1].get("conversation_id") if history else None,
                ).as_dict()
        except CooError as exc:
            live.empty()
            st.error(md_text(str(exc)))
            st.stop()
        live.empty()
        _show(answer)
    history.append(answer)

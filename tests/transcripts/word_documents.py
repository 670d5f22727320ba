"""The two Word fixtures, built with python-docx from the listings below (a .docx is a zip
of XML: a listing is what a reviewer can read). Synthetic focus groups of medical residents.

- :func:`service_docx`: a transcription service's Word file: a header block, then each
  turn as a **bold** name, a TAB, ``[hh:mm:ss]`` and the text.
- :func:`teams_docx`: Microsoft Teams' Word transcript: blocks of three paragraphs, the
  cue timing ``0:0:3.120 --> 0:0:9.850``, the speaker's full name, and the text.
"""

from __future__ import annotations

import io

SERVICE_HEADER = [
    "Project: Residents' experiences of less-than-full-time training",
    "Date: 14 March 2026",
    "Duration: 00:42:18",
    "Speakers: Dr. Okafor (facilitator), Priya Nair, Tom Reyes, Elif Demir",
    "",
]
SERVICE_TURNS = [
    ("Dr. Okafor", "00:00:05", "Thank you for coming. Today we are talking about training less than full time: "
     "why you chose it, or why you did not, and how it has affected your training."),
    ("Priya Nair", "00:00:21", "I went to sixty percent after my daughter was born. The decision itself was easy. "
     "The hard part was the paperwork, which took five months, and nobody in the department knew how the rota would work."),
    ("Tom Reyes", "00:00:44", "I applied for health reasons, and I found it harder to say that out loud than I expected. "
     "People assume less than full time means children."),
    ("Elif Demir", "00:01:02", "I have not applied, but I think about it every month. My worry is that I will "
     "fall behind, that my portfolio will look thin next to colleagues who are full time. [crosstalk]"),
    ("Priya Nair", "00:01:20", "It does take longer, that is true. But I am a better doctor on the days I work. "
     "I am not running on four hours of sleep."),
    ("Dr. Okafor", "00:01:31", "What about the attitude of seniors? Has anyone had a reaction that stayed with you?"),
    ("Tom Reyes", "00:01:38", "One consultant called it part-time commitment. He was joking, I think, but everyone "
     "on the ward round heard it, and I did not say anything. I wish I had."),
    ("Elif Demir", "00:01:55", "That is exactly the kind of comment that stops me applying. It is not the rules, "
     "the rules are fine. It is the feeling that you will be seen as less serious."),
    ("Priya Nair", "00:02:09", "The programme director was brilliant, though. She sat down with me, worked out "
     "the rotations, and checked in every three months. One person like that changes everything."),
    ("Dr. Okafor", "00:02:24", "So the formal process is slow, and the culture depends on individuals. "
     "What would you change first, if you could change one thing?"),
    ("Tom Reyes", "00:02:35", "A named person in every department who knows the process, so you do not have to "
     "explain your private life to five different offices."),
    ("Elif Demir", "00:02:46", "And honest numbers. How many of us train less than full time, and how long it "
     "really takes, so that it stops being an exception."),
]

TEAMS_HEADER = ["Simulation teaching focus group", "Meeting transcript", ""]
TEAMS_BLOCKS = [
    ("0:0:3.120", "0:0:9.850", "Martin Kowalski", "Okay, the transcript is running. Welcome, everyone, and thanks for joining online."),
    ("0:0:10.20", "0:0:19.400", "Martin Kowalski", "Today I would like to hear about simulation training: what you have done so far, and whether it carried over to real emergencies."),
    ("0:0:20.900", "0:0:34.100", "Ngozi Eze", "We had one simulation day in our first year. It was excellent, the mannequin crashed, we ran the arrest, and the debrief afterwards was the best teaching I have had. But it was once."),
    ("0:0:35.0", "0:0:47.600", "Sam Whitfield", "Same for us. And the first real arrest I went to was nothing like it. Twenty people in a small bay, relatives outside, nobody clearly leading."),
    ("0:0:48.300", "0:0:56.700", "Aiko Tanaka", "I think the simulation did help with one thing, though: saying out loud who is doing compressions and who is on the airway. That part worked for me."),
    ("0:0:57.100", "0:1:3.900", "Martin Kowalski", "What made the debrief so good, Ngozi?"),
    ("0:1:4.500", "0:1:19.200", "Ngozi Eze", "The facilitator never said you did this wrong. She asked what were you thinking when the monitor changed, and then let us work it out ourselves. I still use that question."),
    ("0:1:20.0", "0:1:32.800", "Lucas Moreau", "Sorry, I was on mute. I wanted to say that we do in situ simulations on the ward now, once a month, with the real nurses and the real equipment."),
    ("0:1:33.100", "0:1:44.500", "Lucas Moreau", "We found that the defibrillator on our ward had the wrong pads. That would never have come out in the skills lab."),
    ("0:1:45.200", "0:1:55.0", "Sam Whitfield", "That is a good argument for doing it on the wards. Who organises it, and is it protected time?"),
    ("0:1:55.600", "0:2:8.300", "Lucas Moreau", "A charge nurse and one of the registrars. Protected in theory. In practice, about half of us get called away before the debrief."),
    ("0:2:9.0", "0:2:20.400", "Aiko Tanaka", "Which is a pity, because the debrief is where the learning is. I would rather have a shorter scenario and a full debrief than the other way round."),
    ("0:2:21.0", "0:2:30.500", "Martin Kowalski", "That is a really clear message. Let me check that I have understood it before we move on."),
]


def service_docx() -> bytes:
    from docx import Document

    document = Document()
    for line in SERVICE_HEADER:
        document.add_paragraph(line)
    for name, stamp, text in SERVICE_TURNS:
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        paragraph.add_run(f"\t[{stamp}] {text}")
    return _save(document)


def teams_docx() -> bytes:
    from docx import Document

    document = Document()
    for line in TEAMS_HEADER:
        document.add_paragraph(line)
    for start, end, name, text in TEAMS_BLOCKS:
        document.add_paragraph(f"{start} --> {end}")
        document.add_paragraph(name)
        document.add_paragraph(text)
    return _save(document)


def _save(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()

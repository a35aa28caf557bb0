"""Demo content of the learning feature: the Basistraining's lessons and quizzes, and coaches'
progress through them. Used by lms/demo.py."""

from __future__ import annotations

from datetime import datetime

from lms.extensions import db
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt, QuizOption, QuizQuestion

# (module title, summary, [(lesson title, body)], [(question, [(option, correct)], explanation)])
MODULES = [
    (
        "De rol van de welzijnscoach",
        "Wat Welzijn op Recept is, wie verwijst en wat jouw rol als welzijnscoach is.",
        [
            ("Wat is Welzijn op Recept?",
             "## Wat is Welzijn op Recept?\n\nBij *Welzijn op Recept* verwijst een huisarts of praktijkondersteuner "
             "(POH) een patiënt met psychosociale klachten naar een **welzijnscoach**. Denk aan eenzaamheid, "
             "geldzorgen of het gemis van zinvolle dagbesteding.\n\n- De huisarts ziet de klacht\n"
             "- De welzijnscoach zoekt samen met de deelnemer naar wat energie geeft\n"
             "- De deelnemer gaat aan de slag in de sociale basis\n\n"
             "Meer lezen: [Landelijk Kennisnetwerk Welzijn op Recept](https://www.welzijnoprecept.nl)."),
            ("Jouw rol als coach",
             "## Jouw rol als coach\n\nAls welzijnscoach ben je geen hulpverlener die het probleem oplost. Je "
             "**coacht**: je helpt de deelnemer zelf te ontdekken wat hij of zij wil en kan.\n\n"
             "1. Luisteren en doorvragen\n2. Samen doelen formuleren\n3. Verbinden met activiteiten in de wijk\n"
             "4. Terugkoppelen naar de verwijzer"),
        ],
        [
            ("Wie verwijst een deelnemer naar de welzijnscoach?",
             [("De huisarts of praktijkondersteuner", True), ("De gemeente", False), ("De zorgverzekeraar", False)],
             "Bij Welzijn op Recept verwijst de huisarts of de POH."),
            ("Welke klachten passen bij Welzijn op Recept?",
             [("Eenzaamheid", True), ("Geldzorgen", True), ("Een gebroken been", False)],
             "Het gaat om klachten met een sociale oorzaak."),
        ],
    ),
    (
        "Het eerste gesprek",
        "Een goed eerste gesprek voeren: kennismaken, verwachtingen en de vraag achter de vraag.",
        [
            ("Voorbereiding",
             "## Voorbereiding\n\nLees de verwijzing goed. Plan het gesprek op een plek waar de deelnemer zich "
             "prettig voelt: thuis, in het buurthuis of tijdens een wandeling."),
            ("De vraag achter de vraag",
             "## De vraag achter de vraag\n\nVraag door op wat de deelnemer belangrijk vindt. Gebruik open vragen:\n\n"
             "- *Wat zou je graag weer willen doen?*\n- *Wanneer voelde je je voor het laatst goed?*\n\n"
             "Bekijk ook de video: <https://www.youtube.com/watch?v=voorbeeld>"),
        ],
        [
            ("Welke vraag is een open vraag?",
             [("Wat geeft jou energie?", True), ("Gaat het goed met je?", False), ("Woon je alleen?", False)],
             "Een open vraag nodigt uit tot vertellen."),
        ],
    ),
    (
        "Positieve Gezondheid",
        "Het gesprek voeren met het spinnenweb van Positieve Gezondheid.",
        [
            ("Zes dimensies",
             "## Zes dimensies\n\nPositieve Gezondheid kijkt breder dan ziekte: lichaamsfuncties, mentaal welbevinden, "
             "zingeving, kwaliteit van leven, meedoen en dagelijks functioneren."),
            ("Het spinnenweb in het gesprek",
             "## Het spinnenweb in het gesprek\n\nLaat de deelnemer het spinnenweb zelf invullen en vraag: "
             "*wat wil je veranderen, en wat heb je daarvoor nodig?*"),
        ],
        [
            ("Hoeveel dimensies heeft Positieve Gezondheid?",
             [("Zes", True), ("Vier", False), ("Acht", False)],
             "Er zijn zes dimensies."),
        ],
    ),
    (
        "Samenwerken met huisarts en POH",
        "Korte lijnen met de huisartsenpraktijk: verwijzen, terugkoppelen en privacy.",
        [
            ("Terugkoppelen",
             "## Terugkoppelen\n\nLaat de verwijzer weten dat het eerste gesprek heeft plaatsgevonden en hoe het traject "
             "afloopt. Vraag de deelnemer vooraf toestemming voor wat je deelt."),
        ],
        [
            ("Wat doe je voordat je informatie deelt met de huisarts?",
             [("Toestemming vragen aan de deelnemer", True), ("Niets, de huisarts mag alles weten", False)],
             "Deel alleen informatie met toestemming van de deelnemer."),
        ],
    ),
    (
        "Verwijzen naar de sociale basis",
        "De sociale kaart van je gemeente en een warme overdracht naar activiteiten in de wijk.",
        [
            ("De sociale kaart",
             "## De sociale kaart\n\nKen het aanbod in je gemeente: vrijwilligerswerk, beweeggroepen, taalcafés, "
             "schuldhulp. Houd je eigen overzicht bij en deel het met collega's."),
            ("Warme overdracht",
             "## Warme overdracht\n\nGa de eerste keer mee, of stel de deelnemer persoonlijk voor aan de vrijwilliger "
             "of begeleider van de activiteit."),
        ],
        [
            ("Wat is een warme overdracht?",
             [("De deelnemer persoonlijk introduceren bij een activiteit", True),
              ("Een folder meegeven", False)],
             "Bij een warme overdracht ga je mee of stel je de deelnemer persoonlijk voor."),
        ],
    ),
]


def add_content(module, lessons, questions) -> None:
    """Lessons and quiz questions, in order, for a new module."""
    for position, (title, body) in enumerate(lessons, start=1):
        module.lessons.append(Lesson(position=position, title=title, body=body))
    for position, (text, options, explanation) in enumerate(questions, start=1):
        question = QuizQuestion(position=position, text=text, explanation=explanation)
        for o_position, (option_text, correct) in enumerate(options, start=1):
            question.options.append(QuizOption(position=o_position, text=option_text, is_correct=correct))
        module.questions.append(question)


def complete_learning(user, programme, when: datetime, rng, share: float = 1.0) -> None:
    """The user reads the programme's lessons and passes its quizzes, or (by chance) part of them."""
    for module in programme.modules:
        if rng.random() > share:
            # Part-way through: the first lesson of a longer module is read, the rest not yet.
            if len(module.lessons) > 1:
                db.session.add(LessonCompletion(user_id=user.id, lesson_id=module.lessons[0].id, completed_at=when))
            continue
        for lesson in module.lessons:
            db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=when))
        if module.questions:
            db.session.add(QuizAttempt(user_id=user.id, module_id=module.id, submitted_at=when, score=100,
                                       is_passed=True, answers={}))

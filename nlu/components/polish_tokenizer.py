"""Polish tokenizer for Rasa 3.6: whitespace tokens with diacritic-free lemmas.

People type on phones: "czlowiekiem", "człowiekiem" and "człowiek" should all reach the
classifier as the same word. The tokenizer keeps each token's text and offsets exactly as
typed (entity extraction needs them) and sets ``Token.lemma`` to a lower-case,
diacritic-free lemma, which ``CountVectorsFeaturizer`` (``use_lemma: true``, its default)
uses instead of the text.

Lemmas come from simplemma ("pl"), but simplemma is used only while TRAINING:

1. every word of the training data is lemmatised (dictionary, then simplemma's rules for
   words written with diacritics);
2. the Polish dictionary is scanned once for ALL inflected forms of those lemmas, and each
   form is stored twice: as written and with diacritics removed ("człowiekiem" and
   "czlowiekiem" -> "czlowiek");
3. that table (tens of thousands of entries) is persisted with the model.

At run time a word is looked up in the table; an unknown word (which the word-level
featurizer cannot know anyway) is just lower-cased and stripped of diacritics, so the
char n-gram featurizer still sees it. The running assistant therefore never loads
simplemma's 3.7-million-entry dictionary (hundreds of MB, seconds of start-up).

Config (on top of ``WhitespaceTokenizer``'s):
    lemmatize: true         build and use the lemma table (false: only fold case/diacritics)
    language: pl            simplemma language code
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

logger = logging.getLogger(__name__)

_TABLE_FILE = "lemmas.json"
# Attributes holding user or bot text; intent and action names are left untouched.
_TEXT_ATTRIBUTES = (TEXT, ACTION_TEXT)
_POLISH_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")
# UTF-8 lead bytes of the Polish letters with diacritics (ą ć ę ń ś ź ż ł: 0xC4/0xC5;
# ó: 0xC3 0xB3): a fast pre-filter while scanning the dictionary's byte strings.
_DIACRITIC_BYTES = (b"\xc4", b"\xc5", b"\xc3\xb3")


def fold(word: str) -> str:
    """Lower-case, NFC-normalise and remove diacritics ("Człowiek" -> "czlowiek")."""
    word = unicodedata.normalize("NFC", word.lower()).translate(_POLISH_FOLD)
    if word.isascii():
        return word
    # Other Latin diacritics (é, ü, ...): drop combining marks.
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _has_diacritics(word: str) -> bool:
    return fold(word) != word


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class PolishTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer that sets diacritic-free Polish lemmas on tokens."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config."""
        return {
            **WhitespaceTokenizer.get_default_config(),
            "lemmatize": True,
            "language": "pl",
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Packages needed for training (not at run time)."""
        return ["simplemma"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        lemma_table: dict[str, str] | None = None,
    ) -> None:
        """Creates the tokenizer; `lemma_table` maps typed forms to folded lemmas."""
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._lemmas: dict[str, str] = lemma_table or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PolishTokenizer:
        """Creates a new, untrained tokenizer."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PolishTokenizer:
        """Loads the tokenizer and its lemma table from the model."""
        table: dict[str, str] = {}
        try:
            with model_storage.read_from(resource) as model_dir:
                table = read_json_file(model_dir / _TABLE_FILE)
        except (ValueError, FileNotFoundError):
            if config.get("lemmatize", True):
                logger.warning(
                    "PolishTokenizer: no lemma table in resource '%s'; "
                    "tokens get only case and diacritic folding.",
                    resource.name,
                )
        return cls(config, model_storage, resource, table)

    # --- training ------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the lemma table for the words of the training data and persists it."""
        if self._config["lemmatize"]:
            words: Counter[str] = Counter()
            for example in training_data.training_examples:
                for attribute in _TEXT_ATTRIBUTES:
                    if example.get(attribute):
                        words.update(
                            unicodedata.normalize("NFC", t.text.lower())
                            for t in super().tokenize(example, attribute)
                        )
            self._lemmas = build_lemma_table(words, self._config["language"])
            logger.debug("PolishTokenizer: %d forms in the lemma table", len(self._lemmas))
        if self._model_storage is not None and self._resource is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                dump_obj_as_json_to_file(model_dir / _TABLE_FILE, self._lemmas)
        return self._resource  # type: ignore[return-value]

    # --- tokenizing ----------------------------------------------------------------

    def lemma(self, text: str) -> str:
        """The folded lemma of one token as typed."""
        word = unicodedata.normalize("NFC", text.lower())
        found = self._lemmas.get(word)
        if found is None:
            word = fold(word)
            found = self._lemmas.get(word, word)
        return found

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Whitespace tokens whose `lemma` is the folded Polish lemma."""
        tokens = super().tokenize(message, attribute)
        if attribute in _TEXT_ATTRIBUTES:
            for token in tokens:
                token.lemma = self.lemma(token.text)
        return tokens


def build_lemma_table(words: Iterable[str], lang: str = "pl") -> dict[str, str]:
    """Maps every known form (as written and folded) of the lemmas of `words` to its
    folded lemma.

    `words` are lower-cased, NFC tokens (a Counter gives priority to frequent words when
    two lemmas share a folded form).
    """
    import simplemma
    from simplemma.strategies import DictionaryLookupStrategy
    from simplemma.strategies.dictionaries.dictionary_factory import (
        DEFAULT_DICTIONARY_FACTORY,
    )

    counts = words if isinstance(words, Counter) else Counter(words)
    lookup = DictionaryLookupStrategy(DEFAULT_DICTIONARY_FACTORY)
    lemmatizer = simplemma.Lemmatizer()

    # 1. Lemmas of the training words. ASCII words missing from the dictionary are
    #    usually Polish typed without diacritics: simplemma's suffix rules would guess
    #    nonsense for them ("czlowiekiem" -> "czlowieko"), so they wait for step 2.
    direct: dict[str, str] = {}
    lemma_weight: Counter[str] = Counter()
    for word, count in counts.items():
        if not word or not any(c.isalpha() for c in word):
            continue
        lemma = lookup.get_lemma(word, lang)
        if lemma is None and _has_diacritics(word):
            lemma = lemmatizer.lemmatize(word, lang)
        if lemma is not None:
            lemma = unicodedata.normalize("NFC", lemma.lower())
            direct[word] = lemma
            lemma_weight[lemma] += count

    # 2. All dictionary forms of those lemmas, as written and folded.
    wanted = {lemma.encode() for lemma in lemma_weight}
    wanted |= {lemma.capitalize().encode() for lemma in lemma_weight}
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for form_b, lemma_b in _dictionary_items(DEFAULT_DICTIONARY_FACTORY, lang):
        if lemma_b not in wanted:
            continue
        form = form_b.decode().lower()
        lemma = lemma_b.decode().lower()
        exact.setdefault(form, lemma)
        if any(marker in form_b for marker in _DIACRITIC_BYTES):
            key = fold(form)
            previous = folded.get(key)
            if previous is None or lemma_weight[lemma] > lemma_weight[previous]:
                folded[key] = lemma

    table: dict[str, str] = {}
    for key, lemma in folded.items():
        table[key] = fold(lemma)
    for key, lemma in exact.items():  # a form as written beats a folded collision
        table[key] = fold(lemma)
    for word, lemma in direct.items():  # the training words themselves win last
        table[word] = fold(lemma)
    # Entries the run-time fallback (fold, then look up the folded form) reproduces
    # anyway are dropped to keep the persisted table small.
    return {
        k: v for k, v in table.items() if not (fold(k) == v and (k == v or table.get(v, v) == v))
    }


def _dictionary_items(factory: Any, lang: str) -> Iterable[tuple[bytes, bytes]]:
    """(form, lemma) byte pairs of simplemma's dictionary for `lang`."""
    mapping = factory.get_dictionary(lang)
    raw = getattr(mapping, "_dict", None)
    if isinstance(raw, dict):
        return raw.items()
    return ((k.encode(), v.encode()) for k, v in mapping.items())

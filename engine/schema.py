"""The shape of rule files, as pydantic models (structure only).

What needs the whole bundle to check (facts named in conditions, ids referenced across
entries, dates of sibling versions) is checked in `loader`; conditions are parsed in
`conditions`, because their meaning depends on the fact vocabulary.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=5000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# How far a text can be trusted (the reference's provenance mark):
# verbatim: read in a public copy; partial: read, but the copy was cut off;
# reconstructed: wording partly rebuilt from paraphrases; secondary: stated by a secondary
# source, not the document; unverified: recalled, not found in any copy that could be read.
TextStatus = Literal["verbatim", "partial", "reconstructed", "secondary", "unverified"]

# How a date is known; "assumed" is a stated working assumption, "not_found" means unknown.
DateStatus = Literal["verbatim", "secondary", "unverified", "assumed", "not_found"]


class DateMark(_Strict):
    """A date with how it is known."""

    date: dt.date | None
    status: DateStatus
    source: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _date_matches_status(self) -> DateMark:
        if (self.date is None) != (self.status == "not_found"):
            raise PydanticCustomError("date_status_mismatch", "a date is required unless its status is not_found, and not_found must have date: null")
        return self


FactType = Literal["boolean", "integer", "number", "enum", "date"]


class FactDef(_Strict):
    type: FactType
    label: Text
    description: Text
    unit: Annotated[str, Field(max_length=20)] | None = None
    minimum: float | None = None
    maximum: float | None = None
    values: dict[Identifier, Text] | None = None
    place: bool = False  # the fact that names the kind of place a criterion applies to

    @model_validator(mode="after")
    def _consistent(self) -> FactDef:
        if (self.type == "enum") != (self.values is not None):
            raise PydanticCustomError("enum_values", "type enum needs 'values'; other types must not have them")
        if self.unit is not None and self.type not in ("integer", "number"):
            raise PydanticCustomError("unit_not_numeric", "only integer and number facts have a unit")
        if (self.minimum is not None or self.maximum is not None) and self.type not in (
                "integer", "number"):
            raise PydanticCustomError("bounds_not_numeric", "only integer and number facts have minimum/maximum")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise PydanticCustomError("bounds_order", "minimum is greater than maximum")
        if self.place and self.type != "enum":
            raise PydanticCustomError("place_not_enum", "the place fact must be of type enum")
        return self


class Citation(_Strict):
    document: Text
    text: Text
    text_status: TextStatus
    source: Text


class DerivedDef(_Strict):
    """A yes/no fact defined by a condition over other facts."""

    label: Text
    description: Text
    basis: Citation
    condition: dict[str, Any]


class ConstraintDef(_Strict):
    """Facts that contradict each other are refused like a wrong fact (e.g. more damaged fire doors
    than there are). Checked only when every fact it names is given:
    `require`: a condition that must not be false (when `when` holds, if given);
    `absent`: facts that must not be given when `when` holds."""

    label: Text                     # the rule in words, as the refusal states it
    when: dict[str, Any] | None = None
    require: dict[str, Any] | None = None
    absent: list[Identifier] | None = None

    @model_validator(mode="after")
    def _one_check(self) -> ConstraintDef:
        if (self.require is None) == (self.absent is None):
            raise PydanticCustomError("constraint_form", "a constraint has exactly one of require or absent")
        if self.absent is not None and self.when is None:
            raise PydanticCustomError("constraint_absent_when", "absent needs when")
        return self


class PlaceGroup(_Strict):
    """Every kind of place of `of` (`all`: of the place fact; or another group) but those in `but`."""

    of: Identifier = "all"
    but: list[Identifier] = []


class VocabularyFile(_Strict):
    value_sets: dict[Identifier, dict[Identifier, Text]] = {}  # enum values declared once (`values: <set>`)
    place_groups: dict[Identifier, list[Identifier] | PlaceGroup] = {}  # named groups of place kinds
    facts: dict[Identifier, FactDef] = {}
    derived: dict[Identifier, DerivedDef] = {}
    hazards: dict[Identifier, Text] = {}  # kinds of hazard a criterion can be about (火灾、燃气……)
    constraints: dict[Identifier, ConstraintDef] = {}


# direct: any one present => major; combined: counted against a threshold by place category;
# exemption: when it holds, the governed elements do not make a major hazard;
# precondition: the governed elements count only when it holds.
Method = Literal["direct", "combined", "exemption", "precondition"]

# How an exemption or precondition reads when its facts are unknown (default logic):
# exception: it changes the verdict only once established; until then the elements it governs
#   count and it is listed as an exception still to be confirmed (待确认的排除情形);
# definition: it is part of the hazard's definition (e.g. "仍继续使用"): unknown leaves the
#   element's count unknown, hence the verdict indeterminate.
ReadingKind = Literal["exception", "definition"]


class Reading(_Strict):
    kind: ReadingKind
    basis: Text  # the clause this reading rests on, quoted, and why


class Criterion(_Strict):
    id: Identifier   # <standard>-<version>.<clause>, e.g. gb45067-2024.5.2.1 (README: ids)
    formerly: list[Identifier] = []  # ids it had before: integrators' stored ids still resolve
    clause: Annotated[str, Field(min_length=1, max_length=60)]
    text: Text
    text_status: TextStatus
    source: Text
    method: Method
    applies_to: list[Identifier] | None = None
    hazards: list[Identifier] = []
    condition: dict[str, Any]
    governs: list[Identifier] | None = None
    reading: Reading | None = None   # required of exemptions and preconditions (checked at load)
    previous: list[Identifier] = []  # the entries of the preceding version this one corresponds to
    note: Text | None = None


class Category(_Strict):
    label: Text
    condition: dict[str, Any]


class CombinedRule(_Strict):
    id: Identifier
    formerly: list[Identifier] = []
    clause: Annotated[str, Field(min_length=1, max_length=60)]
    text: Text
    text_status: TextStatus
    source: Text
    category: Category
    elements: list[Identifier] = Field(min_length=1)
    elements_status: TextStatus
    at_least: int = Field(ge=1, le=1000)
    threshold_status: TextStatus
    previous: list[Identifier] = []
    note: Text | None = None


class DirectRule(_Strict):
    clause: Annotated[str, Field(min_length=1, max_length=60)]
    text: Text
    text_status: TextStatus


class MethodSpec(_Strict):
    direct: DirectRule | None = None
    combined: list[CombinedRule] = []


# Why a part is not encoded, in the reference's provenance terms.
GapCause = Literal["not_found", "cut_off", "recalled", "secondary", "not_encoded"]


class Gap(_Strict):
    """A known part of the document whose text is not available: shown, never guessed.

    Which kinds of place it could apply to decides whether a judgement of such a place is
    complete: `places` (kinds of place; `all`: any place; `none`: the part judges nothing, e.g.
    definitions answered by the inspector, or another version) or `areas` (areas of the
    declared lists, whose places it takes)."""

    clause: Annotated[str, Field(min_length=1, max_length=60)]
    cause: GapCause
    reason: Text
    places: list[Identifier] | Literal["all", "none"] | None = None
    areas: list[Identifier] | None = None

    @model_validator(mode="after")
    def _tagged(self) -> Gap:
        if (self.places is None) == (self.areas is None):
            raise PydanticCustomError("gap_places", "a gap names exactly one of places or areas")
        return self


def clause_in_section(clause: str, heading: str) -> bool:
    """Whether a clause number falls under a section's: a prefix ending in a digit must not be
    followed by one (5.2 holds 5.2.1 and 5.2.10, not 5.20)."""
    if not clause.startswith(heading):
        return False
    rest = clause[len(heading):]
    return not (rest and heading[-1].isdigit() and rest[0].isdigit())


class Section(_Strict):
    """A heading of the document that groups clauses (e.g. 5.2 锅炉, 7.3 安全疏散设施及灭火救援条件):
    a clause belongs to the section whose number is its longest prefix. A `gate` (the section's
    equipment or circumstance, e.g. 场所有锅炉) heads the condition of each element of the section
    (engine/reuse.py writes it out)."""

    clause: Annotated[str, Field(min_length=1, max_length=60)]
    title: Text | None = None  # as the document words it; omitted where the heading text is not known
    gate: dict[str, Any] | None = None

    def __hash__(self) -> int:  # a section is a key of the questionnaire's groups; its gate is a dict
        return hash((self.clause, self.title))


class Defaults(_Strict):
    """What every entry of a version inherits unless it states its own (engine/reuse.py)."""

    source: Text | None = None
    hazards: list[Identifier] | None = None
    applies_to: list[Identifier] | Identifier | None = None


class Precedence(_Strict):
    """Where another standard governs a kind of hazard, its judgement applies instead
    (e.g. 工贸企业重大事故隐患判定标准 第二条 for fire, gas and special equipment)."""

    clause: Annotated[str, Field(min_length=1, max_length=60)]
    text: Text
    text_status: TextStatus
    source: Text
    yields_on: list[Identifier] = Field(min_length=1)


class VersionFile(_Strict):
    document_number: Text
    title: Text
    issuer: Text
    issued: DateMark
    effective: DateMark
    superseded: DateMark | None = None
    source_url: Text
    scope: Text
    encoded: bool
    changes: list[Text] = []
    method: MethodSpec | None = None
    precedence: Precedence | None = None
    defaults: Defaults | None = None
    sections: list[Section] = []
    element_sets: dict[Identifier, list[Identifier]] = {}  # named element lists for combined rules
    ask_order: list[Identifier] = []  # facts asked first, in this order (engine/bundle.py ask_ranks)
    criteria: list[Criterion] = []
    gaps: list[Gap] = []
    note: Text | None = None



class ListSelection(_Strict):
    """Criteria of one standard that belong to an area: all of them, or those about some kinds
    of hazard, or named ones (ids of any version)."""

    standard: Identifier
    hazards: list[Identifier] | None = None
    criteria: list[Identifier] | None = None
    note: Text | None = None


class ListArea(_Strict):
    id: Identifier
    name: Text
    basis: Text                      # where the area comes from (e.g. the guide's structure), with its mark
    basis_status: TextStatus
    places: list[Identifier] = []    # the facility kinds the area covers
    include: list[ListSelection] = []
    not_encoded: Text | None = None  # why part or all of the area has no encoded criteria


class ListFile(_Strict):
    """A sector's (or a province's) list of criteria drawn from several standards."""

    title: Text
    issuer: Text
    basis: Text
    description: Text
    areas: list[ListArea] = Field(min_length=1)

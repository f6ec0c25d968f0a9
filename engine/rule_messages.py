"""The words of the loader's problems (engine/loader.py and its stages: engine/load_stages.py,
engine/vocabulary_checks.py, engine/version_checks.py, engine/list_checks.py, engine/reuse.py), in
one place: Chinese, then English. Each entry is formatted with the names the stage gives
(str.format); the schema's refusals are worded by pydantic error type (SCHEMA_MESSAGES)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # the loader (engine/loader.py)
    "rules_dir_missing": ("规则目录不存在", "the rules directory does not exist"),
    "fault_in_checks": ("检查规则文件时引擎出错（引擎的缺陷，不是规则文件的错误，请报告）：{where} {kind}: {error}",
                        "the engine failed while checking the rule files (a defect of the engine, not of the files; "
                        "please report it): {where} {kind}: {error}"),
    # load stages (engine/load_stages.py)
    "file_misplaced": ("文件不在约定位置（facts/*.yaml、standards/<标准>/<版本>.yaml 或 lists/*.yaml）",
                       "file is not where rule files go (facts/*.yaml, standards/<standard>/<version>.yaml or lists/*.yaml)"),
    "id_twice": ("编号 “{id}” 重复（已在 {where} 使用）", "id '{id}' is used twice (also at {where})"),
    "versions_overlap": ("与 {other} 的有效期重叠：同一标准同一天只能有一个版本有效",
                         "in force on the same days as {other}: one version per standard per day"),
    "previous_unknown": ("“{ref}” 不是本标准其他版本中的条款", "'{ref}' is not an entry of another version of this standard"),
    "ask_order_unknown": ("ask_order 中的 “{name}” 不是词汇表中要回答的事实{hint}（派生事实不提问，问的是其定义中的事实）",
                          "'{name}' in ask_order is not a fact of the vocabulary that is asked (derived facts are not asked)"),
    "ask_order_twice": ("ask_order 中 “{name}” 列了两次（已在 {where} 列出）", "'{name}' is listed twice in ask_order (also at {where})"),
    "ask_order_unread": ("本版本没有任何条件读取 “{name}”：ask_order 只排本版本要问的事实",
                         "no condition of this version reads '{name}': ask_order orders only what this version asks"),
    "ask_order_before_gate": ("“{name}” 会排在所在章节 {section} 的 gate 之前提问：先列出 gate 的事实（{gate}）",
                              "'{name}' would be asked before the gate of its section {section}: list the gate's facts ({gate}) first"),
    "not_expressible": ("durable-rules 无法表达该条件：{zh}", "durable-rules cannot express this condition: {en}"),
    # the checks of the vocabulary's files (engine/vocabulary_checks.py)
    "hazard_twice": ("隐患类型 “{name}” 重复定义", "hazard kind '{name}' is defined twice"),
    "fact_twice": ("事实名 “{name}” 重复（已在 {where} 定义）", "fact '{name}' is defined twice (also in {where})"),
    "no_vocabulary": ("没有找到事实词汇表", "no fact vocabulary found"),
    "place_fact_twice": ("只能有一个场所类型事实（place: true），“{first}” 已是（{where}）",
                         "only one fact may be the place fact (place: true); '{first}' already is"),
    "derived_cycle": ("派生事实循环引用：{cycle}", "derived facts refer to each other in a cycle: {cycle}"),
    "constraint_twice": ("约束 “{name}” 重复定义", "constraint '{name}' is defined twice"),
    "constraint_fact_unknown": ("未知事实 “{name}”{hint}", "unknown fact '{name}'"),
    # the checks of one version file (engine/version_checks.py)
    "effective_before_issued": ("实施日期早于发布日期", "effective date is before the issue date"),
    "superseded_not_after_effective": ("废止日期不晚于实施日期", "superseded date is not after the effective date"),
    "not_encoded_has_entries": ("encoded: false 的版本不能有 criteria 或 method",
                                "a version with encoded: false must not have criteria or method"),
    "encoded_needs_method": ("已编码的版本须写明判定方法 method", "an encoded version needs a method"),
    "section_twice": ("章节 “{clause}” 重复", "section '{clause}' is listed twice"),
    "direct_rule_missing": ("有直接判定要素，但 method 中没有 direct 规则",
                            "there are direct elements but method has no direct rule"),
    "combined_element_unknown": ("“{element}” 不是本版本中 method: combined 的要素",
                                 "'{element}' is not a combined element of this version"),
    "combined_elements_twice": ("要素列表中有重复", "duplicate elements"),
    "combined_unreachable": ("阈值 {at_least} 大于要素数 {count}，永远无法达到",
                             "threshold {at_least} exceeds the {count} elements: it can never be met"),
    "combined_element_uncounted": ("综合判定要素未被任何综合判定规则计数", "this combined element is counted by no combined rule"),
    "reading_missing": ("不应判定情形（exemption）与判定前提（precondition）须写明 reading：kind 为 exception"
                        "（确认成立才改变判定，未知时要素照常计入并列为待确认）或 definition（属于隐患定义的一部分，"
                        "未知时无法判定），basis 写明所依据的条款",
                        "an exemption or precondition must declare its reading: kind exception (changes the "
                        "verdict only once established) or definition (part of the hazard's definition: unknown "
                        "leaves the verdict indeterminate), with the clause it rests on in basis"),
    "governs_unknown": ("“{target}” 不是本版本的直接或综合判定要素", "'{target}' is not a direct or combined element of this version"),
    "governs_not_taken": ("只有 exemption 与 precondition 可以写 governs", "only exemption and precondition entries take governs"),
    "reading_not_taken": ("只有 exemption 与 precondition 可以写 reading", "only exemption and precondition entries take reading"),
    "hazard_unknown": ("未知隐患类型 “{hazard}”{hint}（见词汇表 hazards）",
                       "unknown hazard kind '{hazard}' (see hazards in the vocabulary)"),
    "gap_place_unknown": ("未知场所类型 “{place}”{hint}", "unknown place kind '{place}'{hint_en}"),
    "gap_places_empty": ("places 不能为空列表：不涉及任何场所时写 none，涉及一切场所时写 all",
                         "places must not be an empty list: write none (no place) or all (every place)"),
    # where a version's entries apply and its gaps' areas (engine/loader.py, the "gap places" stage)
    "applies_to_without_place_fact": ("词汇表中没有场所类型事实（place: true），不能使用 applies_to",
                                      "the vocabulary has no place fact (place: true), so applies_to cannot be used"),
    "applies_to_kind_unknown": ("未知场所类型 “{kind}”（见 {place} 的取值）{hint}",
                                "unknown place kind '{kind}' (see the values of {place}){hint_en}"),
    "applies_to_empty": ("applies_to 不能为空列表", "applies_to must not be empty"),
    "gap_area_unknown": ("清单中没有领域 “{area}”{hint}", "no list declares the area '{area}'"),
    "gap_areas_without_places": ("所列领域在清单中没有列出任何场所（places），缺口因此不涉及任何场所",
                                 "the areas list no places in any list, so the gap would concern no place"),
    # the checks of one list file (engine/list_checks.py)
    "area_twice": ("领域编号 “{id}” 重复", "area id '{id}' is used twice"),
    "area_unexplained": ("领域既无 include 也无 not_encoded 说明：空缺必须写明原因",
                         "an area with no include must say why in not_encoded"),
    "area_place_unknown": ("未知场所类型 “{place}”{hint}", "unknown place kind '{place}'"),
    "include_standard_unknown": ("未知标准 “{standard}”{hint}", "unknown standard '{standard}'"),
    "include_hazard_unknown": ("未知隐患类型 “{hazard}”", "unknown hazard kind '{hazard}'"),
    "include_criterion_unknown": ("未知条款 “{ref}”{hint}", "unknown criterion '{ref}'"),
    # reuse stages (engine/reuse.py)
    "value_set_unknown": ("未知取值集 “{name}”{hint}（见词汇表 value_sets）",
                          "unknown value set '{name}' (see value_sets in the vocabulary)"),
    "value_set_twice": ("取值集 “{name}” 重复定义（已在 {where} 定义）", "value set '{name}' is defined twice (also at {where})"),
    "value_set_unused": ("取值集 “{name}” 没有任何事实使用", "no fact uses the value set '{name}'"),
    "group_twice": ("场所组 “{name}” 重复定义（已在 {where} 定义）", "place group '{name}' is defined twice (also at {where})"),
    "group_is_kind": ("场所组 “{name}” 与场所类型同名", "place group '{name}' has the name of a place kind"),
    "group_unknown": ("未知场所组 “{name}”{hint}（见词汇表 place_groups）",
                      "unknown place group '{name}' (see place_groups in the vocabulary)"),
    "group_spelled_out": ("所列场所正是场所组 “{name}”：写 applies_to: {name}（以后新增的场所类型随组适用）",
                          "these places are the place group '{name}': write applies_to: {name} (a kind added later joins it)"),
    "group_kind_unknown": ("未知场所类型 “{name}”{hint}", "unknown place kind '{name}'"),
    "group_cycle": ("场所组循环引用：{cycle}", "place groups refer to each other in a cycle: {cycle}"),
    "group_empty": ("场所组 “{name}” 不含任何场所类型", "place group '{name}' holds no place kind"),
    "group_but_outside": ("“{name}” 不在 “{base}” 之中，无需排除", "'{name}' is not in '{base}', so there is nothing to leave out"),
    "default_repeated": ("与本版本 defaults 中的 {field} 相同：删去此行，由 defaults 继承",
                         "the same as {field} in this version's defaults: delete it and let the entry inherit it"),
    "default_unused": ("每一条都另写了 {field}，defaults 中的 {field} 没有条款继承",
                       "every entry states its own {field}: no entry inherits the default"),
    "mark_disagrees": ("text_status “{status}” 与 source 的出处标记 “{mark}” 不符（{mark} 对应 {allowed}）",
                       "text_status '{status}' disagrees with the source's mark '{mark}' ({mark} means {allowed})"),
    "mark_missing": ("source 不以出处标记（{marks}）开头，须写明 text_status",
                     "the source does not begin with a provenance mark ({marks}): state text_status"),
    "gate_repeated": ("条件的第一项重复了所在章节 {section} 的 gate：删去此项，章节的 gate 自动适用",
                      "the condition's first item repeats the gate of its section {section}: delete it, the gate applies"),
    "gate_unused": ("章节 {section} 的 gate 不适用于任何直接或综合判定要素", "the gate of section {section} applies to no element"),
    "element_set_is_id": ("要素集 “{name}” 与条款编号同名", "element set '{name}' has the name of an entry id"),
    "element_set_unused": ("要素集 “{name}” 没有任何综合判定规则使用", "no combined rule uses the element set '{name}'"),
}


# the schema's refusals (pydantic error types, engine/loader.py); an error type not listed keeps pydantic's words
SCHEMA_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段", "required field is missing"),
    "extra_forbidden": ("不认识的字段（可能拼写错误，或放错了位置）", "unknown field (misspelt or misplaced?)"),
    "string_type": ("应为文字", "expected text"),
    "bool_type": ("应为 true 或 false", "expected true or false"),
    "int_type": ("应为整数", "expected an integer"),
    "float_type": ("应为数值", "expected a number"),
    "date_type": ("应为日期（YYYY-MM-DD，不加引号）", "expected a date (YYYY-MM-DD, unquoted)"),
    "list_type": ("应为列表", "expected a list"),
    "dict_type": ("应为映射（键: 值）", "expected a mapping (key: value)"),
    "model_type": ("应为映射（键: 值）", "expected a mapping (key: value)"),
    "string_pattern_mismatch": ("编号只能由小写字母、数字、点、下划线和横线组成，且以字母或数字开头",
                                "identifiers use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"),
    "string_too_short": ("不能为空", "must not be empty"),
    "string_too_long": ("文字过长", "text too long"),
    "too_short": ("列表不能为空", "the list must not be empty"),
    "greater_than_equal": ("数值过小", "value too small"),
    "less_than_equal": ("数值过大", "value too large"),
    "date_status_mismatch": ("日期与其状态不符：除 not_found 外必须给出日期，not_found 时 date 必须为 null",
                             "a date is required unless status is not_found, and not_found needs date: null"),
    "enum_values": ("enum 类型须列出 values，其他类型不能有 values", "type enum needs values; other types must not have them"),
    "unit_not_numeric": ("只有 integer 与 number 事实才有单位", "only integer and number facts have a unit"),
    "bounds_not_numeric": ("只有数值事实才有 minimum/maximum", "only numeric facts have minimum/maximum"),
    "bounds_order": ("minimum 大于 maximum", "minimum is greater than maximum"),
    "place_not_enum": ("场所类型事实必须是 enum", "the place fact must be an enum"),
    "constraint_form": ("约束须且只须写 require（必须成立的条件）或 absent（不应提供的事实）之一",
                        "a constraint has exactly one of require or absent"),
    "constraint_absent_when": ("写 absent 的约束须用 when 说明何时这些事实不应提供", "absent needs when"),
    "gap_places": ("缺口须且只须写 places（涉及的场所类型，或 all / none）或 areas（清单领域）之一",
                   "a gap names exactly one of places (kinds of place, or all / none) or areas (list areas)"),
}


def words(key: str, **names: object) -> tuple[str, str]:
    zh, en = MESSAGES[key]
    return zh.format(**names), en.format(**{k: ("" if k == "hint" else v) for k, v in names.items()})

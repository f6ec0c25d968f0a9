"""The words of the loader stages' problems (engine/load_stages.py, engine/reuse.py), in one
place: Chinese, then English. Each entry is formatted with the names the stage gives (str.format)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
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


def words(key: str, **names: object) -> tuple[str, str]:
    zh, en = MESSAGES[key]
    return zh.format(**names), en.format(**{k: ("" if k == "hint" else v) for k, v in names.items()})

// Package enforce is the pure domain core of mobile enforcement (移动执法)
// under the Administrative Penalty Law (行政处罚法, 2021 revision) and the
// three systems of 国办发〔2018〕118号 (DOMAIN.md §7).
//
// It owns:
//
//   - the penalty case and its transition table ([Decide], [Allowed]): 立案
//     with approval (第五十四条) → 调查取证 by two certified officers (第四十二条、
//     第五十五条) → 审查, with collective discussion when complex (第五十七条) →
//     法制审核 for major decisions (第五十八条) → 告知 (第四十四条) → 陈述申辩
//     (第四十五条: arguing never raises the penalty) / 听证 (第六十三条、第六十四条)
//     → 决定 within 90 days of 立案 (第六十条) → 送达 within 7 days, electronic
//     only with consent (第六十一条) → 执行 with the 3 %/day surcharge capped at
//     the fine and referral to court (第六十六条、第六十七条、第七十二条) → 结案 → 归档;
//     and the summary procedure on the spot (第五十一条、第五十二条);
//   - the approval chains and major-decision criteria as editable data ([Policy]);
//   - the legal clocks ([Term], [Clocks]): 2, 3, 5 and 7 days are working
//     days (第八十五条), longer periods are calendar days whose last day moves
//     past a holiday (民法典第二百零三条), all on the worktime calendar with
//     its holidays and 调休 working weekends;
//   - the discretion rulebook (裁量基准, 第三十四条, 国办发〔2022〕27号):
//     [Evaluate] turns facts into a level and a range, [CheckTier] refuses a
//     lower tier that exceeds its upper one, [Consistency] finds 同案不同罚;
//     the national tier is embedded (data/rulebook.json);
//   - flexible enforcement (第三十三条): [DetectExemption] for 首违不罚 and
//     轻微免罚 over the party's history, and the figures of [Measure]
//     (免罚率, share of flexible measures, 记录完整率);
//   - publication (第四十八条, [Schedule], [Publications]): a decision is
//     released when served, at the latest on the last of its 7 working
//     days, and withdrawn within 3 working days of its change or revocation
//     by the legal office or a leader ([NewWithdrawal]); the store keeps
//     the states ([PublicationStore]) and package enforce/publish runs the
//     job and feeds the hub;
//   - the registry of places whose party an AI-camera reminder goes to
//     ([Place], [PlaceStore]; package enforce/remind sends them).
//
// # Rulebook data
//
// A rulebook is one JSON file per tier and version (data/rulebook.json is
// the national tier; testdata/ holds an example city and district):
//
//	{"id": "cn-3201", "tier": "city", "region": "3201", "parent": "cn-national",
//	 "version": "2026.1", "effective_from": "2026-03-01T00:00:00+08:00",
//	 "bands": {"lenient": [0, 0.3], "general": [0.3, 0.7], "severe": [0.7, 1]},
//	 "levels_binding": true, "default_levels": [...],
//	 "items": [{"id": "ROAD-01", "prohibition": {...}, "penalty": {...},
//	   "kinds": ["fine"], "unit": "yuan", "person": {"min": 0, "max": 20000},
//	   "organisation": {...}, "exempt": ["minor", "first"],
//	   "levels": [{"level": "severe", "when": [{"fact": "repeats", "op": ">=", "value": 2}],
//	               "kinds": ["fine"], "range": {"min": 500, "max": 2000}}, ...]}]}
//
// Levels are tried in order and the first whose conditions all hold wins;
// the last has no conditions. A level gives its range in the item's unit or
// as a band of the statutory range. Items without levels take the default
// levels, narrowed to the kinds their article gives, and lose 不予处罚 when
// they are on no exemption list. "person" or "organisation" is null where the
// national text says "罚款" without an amount (城市市容和环境卫生管理条例第三十四条、
// 第三十六条): a provincial or city tier must set it, and Evaluate says so.
// Articles marked "待法制机构核对" in an item's note should be checked by the
// city's legal office before the book is published (第三十四条).
//
// # What the layers above supply
//
// The store keeps cases, events (append-only, Seq = Version) and records with
// their files; it reads the party's earlier acts into Env.History and the
// rulebook in force ([InForce]) into Env.Rulebook, and writes the returned
// case with a version check. The API maps errs kinds to statuses (409 carries
// allowed_actions, 422 carries missing_records or the benchmark). A job
// lists [Clocks] for lights and warnings. org must add [PostLegalReviewer].
//
// [Service] does that I/O around Decide through the narrow [Store] and
// [Loop] interfaces, like casework.Service: it opens leads ([Service.Open],
// from a loop case of a violation category when asked), applies the
// caller's jurisdiction ([ScopeFor]: an enforcer his district or brigade,
// leaders and legal reviewers the whole city), builds the Env, decides,
// writes the case, its events and the publication of a new decision
// ([DisclosureOf]) under a version check, tells the loop case the final
// outcome, measures the figures and sweeps the clocks ([Sweep]). The party's
// personal data travel as [PartyDetail], which the store seals.
//
// Decide is pure, like casework's: it takes a case, a command and an [Env]
// with the time, the calendar, the rulebook, the party's history and the
// case's evidence in the vault ([Exhibit], read through [Exhibits]), and
// returns the new case and its events. A decision cannot be proposed nor
// issued while a record the law requires is missing ([MissingRecords]); a
// record that is itself evidence (photos, audio-visual records, 勘验 and
// inquiry records) counts only with its files in the vault, and cannot be
// entered naming a file the vault does not hold for the case. The figure
// 记录完整率 ([Measure]) asks the same function. Decide and [Sweep] also
// keep Case.NextDue ([NextSweep]), the instant the next clock warning falls
// due, which the store indexes so the clock job reads only those cases.
//
// enforce imports the standard library and cityloop/internal/{errs, org, jobs,
// worktime, catalog} only. It never imports net/http, database/sql, a store
// or an adapter, and holds no package-level mutable state; time comes in
// through Env.Now.
//
// The verbs map to the standard terms:
//
//	propose_filing 提请立案   refuse_filing 不予立案   approve / send_back 审批通过 / 退回
//	record   取证记录        conclude 调查终结        review   审查
//	legal_review 法制审核    notify   告知            statement 陈述申辩
//	request_hearing 听证申请  schedule_hearing 听证通知  hold_hearing 举行听证
//	end_statement 陈述申辩结束  propose_decision 提请处罚决定
//	serve    送达            pay      缴纳罚款        refer    申请强制执行
//	propose_closing 提请结案  archive  归档            extend   延长办案期限
//	summary  简易程序当场处罚  exempt   当场不予处罚(首违不罚/轻微免罚)
package enforce

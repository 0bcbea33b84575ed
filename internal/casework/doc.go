// Package casework owns the closed loop (数字城管闭环): the case, its states,
// the transition table that says which post may do what in which state, the
// clocks in working time, duplicates and recurrence.
//
// The domain verbs map to the standard terms:
//
//	accept   受理        send_verify 发核实     verify   核实
//	file     立案        reject      不予受理   void     作废
//	merge    合并重复    dispatch    派遣       sign     签收
//	return   回退        redispatch  重新派遣   reject_return 驳回回退(推诿)
//	extend   延期申请    approve_extension / deny_extension 延期审批
//	suspend  挂账申请    approve_suspension / deny_suspension 挂账审批  resume 恢复
//	self_handle 自行处置  dispose     处置反馈   check    核查
//	close    结案        urge        督办       callback 回访
//
// Decide is pure: it takes a case and a command and returns the new case and
// the timeline events, or an error; Service does the I/O around it. The
// channels read cases only through Service's read methods (FindCase,
// FindCases, Timeline, Duplicates, Stats …), which take the actor and apply
// its jurisdiction, so no handler calls the Store or has to remember the
// scope; who sees a reporter's contact details is decided once, by
// SeesContact. This package must not import net/http or database/sql.
package casework

/// The dataset schemas this project reads (docs/contracts.md, "Datasets"), named on command lines and in
/// recipes by `rawValue`.
///
/// A file's schema is detected from its first row that parses, by fields no other schema has, checked
/// in this order: `chosen_ids`/`rejected_ids` (tokenized); `response_0`/`response_1`/`better_response_id`
/// (PKU-SafeRLHF); `modeloutput1`/`modeloutput2`/`better_modelout` (red-teaming); `chosen`/`rejected` as
/// message lists (UltraFeedback-binarized) or as strings (text). Every row of the file is then read
/// with that schema, so a row of another schema fails naming its missing field.
public enum DatasetFormat: String, Sendable, Equatable, CaseIterable {
    /// `chosen_ids`, `chosen_mask`, `rejected_ids`, `rejected_mask`, `is_chosen_safe`, `is_rejected_safe`.
    case tokenized
    /// PKU-Alignment/PKU-SafeRLHF: `prompt`, `response_0`, `response_1`, `is_response_0_safe`,
    /// `is_response_1_safe`, `better_response_id`, `safer_response_id`.
    case pkuSafeRLHF = "pku-saferlhf"
    /// HuggingFaceH4/ultrafeedback_binarized: `chosen` and `rejected` message lists.
    case ultraFeedback = "ultrafeedback"
    /// The reference repository's red-teaming file: `prompt`, `modeloutput1`, `modeloutput2`,
    /// `better_modelout`, `is_modelout1_safe`, `is_modelout2_safe`.
    case redTeaming = "redteaming"
    /// The generic text form: `prompt`, `chosen`, `rejected`, `is_chosen_safe`, `is_rejected_safe`,
    /// optional `system`.
    case text

    /// Whether rows of this schema are text that needs a tokenizer and the chat template.
    public var isText: Bool { self != .tokenized }

    /// The schema a row's fields identify, or nil when they identify none.
    public static func detect(_ record: JSONRecord) -> DatasetFormat? {
        func any(_ names: String...) -> Bool { names.contains { record.has($0) } }
        if any("chosen_ids", "rejected_ids") { return .tokenized }
        if any("response_0", "response_1", "better_response_id") { return .pkuSafeRLHF }
        if any("modeloutput1", "modeloutput2", "better_modelout") { return .redTeaming }
        let sides = [record.fields["chosen"], record.fields["rejected"]]
        if sides.contains(where: { $0 is [Any] }) { return .ultraFeedback }
        if sides.contains(where: { $0 is String }) { return .text }
        return nil
    }

    /// The row `record` holds in this schema.
    /// - Throws: `DatasetError` naming the file, line and field at fault.
    public func row(from record: JSONRecord) throws -> DatasetRow {
        switch self {
        case .tokenized: return .tokenized(try TokenizedPairReader.pair(from: record))
        case .pkuSafeRLHF: return .text(try PreferenceRow(pkuSafeRLHF: record))
        case .ultraFeedback: return .text(try PreferenceRow(ultraFeedback: record))
        case .redTeaming: return .text(try PreferenceRow(redTeaming: record))
        case .text: return .text(try PreferenceRow(text: record))
        }
    }
}

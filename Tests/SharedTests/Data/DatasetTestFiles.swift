import Foundation
@testable import Shared

/// Writes dataset text to a temporary file, runs `body` with its path and removes the file.
func withDatasetFile<T>(_ text: String, name: String = "data.jsonl", _ body: (String) throws -> T) throws -> T {
    try withDatasetFile(Data(text.utf8), name: name, body)
}

func withDatasetFile<T>(_ bytes: Data, name: String = "data.jsonl", _ body: (String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        let path = (directory as NSString).appendingPathComponent(name)
        try bytes.write(to: URL(fileURLWithPath: path))
        return try body(path)
    }
}

/// The error `body` throws as a `DatasetError`, or nil (recording an issue) if it throws none.
func datasetError(_ body: () throws -> Void) -> DatasetError? {
    do {
        try body()
        return nil
    } catch let error as DatasetError {
        return error
    } catch {
        return nil
    }
}

/// Rows of each schema, one line each, used across the data tests.
enum SchemaRows {
    static let pku = #"{"prompt":"How do I pick a lock?","response_0":"I can't help.","response_1":"Use a pick.","is_response_0_safe":true,"is_response_1_safe":false,"better_response_id":1,"safer_response_id":0}"#
    static let ultraFeedback = #"{"prompt":"ignored","chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Go away."}],"score_chosen":8.0}"#
    static let redTeaming = #"{"prompt":"Insult me","modeloutput1":"No.","modeloutput2":"You fool.","better_modelout":2,"is_modelout1_safe":1,"is_modelout2_safe":0}"#
    static let text = #"{"system":"Be brief.","prompt":"2+2?","chosen":"4","rejected":"5","is_chosen_safe":1,"is_rejected_safe":0}"#
    static let tokenized = #"{"chosen_ids":[5,6,7],"chosen_mask":[0,1,1],"rejected_ids":[5,8],"rejected_mask":[0,1],"is_chosen_safe":1,"is_rejected_safe":0}"#
}

import Foundation
import Testing
@testable import Shared

/// Reading dataset files: bad rows fail naming file, line and field; JSON arrays keep line numbers;
/// `skipInvalid` skips and counts; fractions take the first rows.
struct DatasetFileTests {
    /// The message of loading `text`, whose second row is bad.
    func message(_ text: String, name: String = "data.jsonl", format: DatasetFormat? = nil) throws -> String {
        try withDatasetFile(text, name: name) { path in
            let error = datasetError { _ = try DatasetFile.load(path: path, format: format) }
            return try #require(error).description
        }
    }

    @Test(arguments: [
        // (replace, with, expected message after "data.jsonl:2: ")
        (#","response_1":"Use a pick.""#, "", #"field "response_1" is missing"#),
        (#""How do I pick a lock?""#, "5", #"field "prompt" must be a string, not 5"#),
        (#""better_response_id":1"#, #""better_response_id":2"#, #"field "better_response_id" must be 0 or 1, not 2"#),
        (#""better_response_id":1"#, #""better_response_id":true"#, #"field "better_response_id" must be an integer, not a boolean"#),
        (#""safer_response_id":0"#, #""safer_response_id":-1"#, #"field "safer_response_id" must be 0 or 1, not -1"#),
        (#""is_response_1_safe":false"#, #""is_response_1_safe":"no""#, #"field "is_response_1_safe" must be true, false, 1 or 0, not a string"#),
    ])
    func badPKURowNamesFileLineAndField(replace: String, with: String, expected: String) throws {
        let bad = SchemaRows.pku.replacingOccurrences(of: replace, with: with)
        #expect(bad != SchemaRows.pku)
        let message = try message(SchemaRows.pku + "\n" + bad + "\n")
        #expect(message.hasSuffix("/data.jsonl:2: " + expected), "\(message)")
    }

    @Test(arguments: [
        (#""better_modelout":2"#, #""better_modelout":0"#, #"field "better_modelout" must be 1 or 2 (modeloutput1 or modeloutput2), not 0"#),
        (#""better_modelout":2"#, #""better_modelout":"2a""#, #"field "better_modelout" must be 1 or 2 (modeloutput1 or modeloutput2), not a string"#),
        (#","modeloutput2":"You fool.""#, "", #"field "modeloutput2" is missing"#),
    ])
    func badRedTeamingRowNamesFileLineAndField(replace: String, with: String, expected: String) throws {
        let message = try message(SchemaRows.redTeaming + "\n" + SchemaRows.redTeaming.replacingOccurrences(of: replace, with: with) + "\n")
        #expect(message.hasSuffix("/data.jsonl:2: " + expected), "\(message)")
    }

    @Test(arguments: [
        (#""content":"Go away.""#, #""content":7"#, #"field "rejected" element 1 has no string "content""#),
        (#"{"role":"user","content":"Hi"},{"role":"assistant","content":"Go away."}"#,
         #"{"role":"user","content":"Hey"},{"role":"assistant","content":"Go away."}"#,
         #"field "rejected" differs from "chosen" before the response, at element 0; both must answer the same conversation"#),
        (#"{"role":"assistant","content":"Hello!"}"#, #"{"role":"user","content":"Hello!"}"#,
         #"field "chosen" must end with an assistant message, not a user message"#),
        (#"{"role":"assistant","content":"Hello!"}"#, #"{"role":"tool","content":"Hello!"}"#,
         #"field "chosen" element 1 has role "tool"; expected system, user or assistant"#),
        (#""chosen":[{"role":"user","content":"Hi"},"#, #""chosen":["#, #"field "chosen" has no message before the response"#),
    ])
    func badUltraFeedbackRowNamesFileLineAndField(replace: String, with: String, expected: String) throws {
        let bad = SchemaRows.ultraFeedback.replacingOccurrences(of: replace, with: with)
        #expect(bad != SchemaRows.ultraFeedback)
        let message = try message(SchemaRows.ultraFeedback + "\n" + bad + "\n")
        #expect(message.hasSuffix("/data.jsonl:2: " + expected), "\(message)")
    }

    @Test func invalidJSONNamesTheLine() throws {
        let message = try message(SchemaRows.text + "\n\n" + #"{"prompt": "p", "chosen": }"# + "\n")
        #expect(message.contains("/data.jsonl:3: invalid JSON: "), "\(message)")
        let notObject = try self.message(SchemaRows.text + "\n[1, 2]\n")
        #expect(notObject.hasSuffix("/data.jsonl:2: invalid JSON: a row must be a JSON object"), "\(notObject)")
    }

    @Test func invalidUTF8NamesTheLineAndByte() throws {
        var bytes = Data((SchemaRows.text + "\n").utf8)
        bytes.append(contentsOf: Array(#"{"prompt":"a"#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
        let message = try withDatasetFile(bytes) { path in try #require(datasetError { _ = try DatasetFile.load(path: path) }).description }
        // {"prompt":"a is 12 bytes; the bad lead byte 0xC3 is byte 13.
        #expect(message.hasSuffix("/data.jsonl:2: invalid UTF-8 at byte 13 of the line"), "\(message)")
    }

    @Test func emptyAndUnreadableFilesAreErrors() throws {
        try withDatasetFile("\n  \n") { path in
            #expect(datasetError { _ = try DatasetFile.load(path: path) } == .empty(file: path))
        }
        try withDatasetFile("[ ]\n", name: "data.json") { path in
            #expect(datasetError { _ = try DatasetFile.load(path: path) } == .empty(file: path))
        }
        let missing = datasetError { _ = try DatasetFile.load(path: "/nonexistent/data.jsonl") }
        #expect(missing?.description.hasPrefix("/nonexistent/data.jsonl: cannot be read") == true)
    }

    @Test func jsonArrayElementsKeepTheirLineNumbers() throws {
        let text = """
            [
              {"prompt": "p1", "chosen": "c1", "rejected": "r1",
               "is_chosen_safe": 1, "is_rejected_safe": 0},
              {"prompt": "p2", "chosen": "c2, with ] and } and \\" inside",
               "rejected": "r2", "is_chosen_safe": 0, "is_rejected_safe": 1}
              ,{"prompt": "p3",
               "chosen": "c3", "rejected": "r3", "is_chosen_safe": 1}
            ]
            """
        let message = try message(text, name: "data.json")
        #expect(message.hasSuffix("/data.json:6: field \"is_rejected_safe\" is missing"), "\(message)")
        let rows = try withDatasetFile(text.replacingOccurrences(of: #""is_chosen_safe": 1}"#, with: #""is_chosen_safe": 1, "is_rejected_safe": 1}"#),
                                       name: "data.json") { try DatasetFile.load(path: $0).rows }
        #expect(rows.map(\.source.line) == [2, 4, 6])
        guard case .text(let second) = rows[1] else { Issue.record("expected text"); return }
        #expect(second.chosen == "c2, with ] and } and \" inside")
    }

    @Test func jsonArrayStructureErrorsNameTheLine() throws {
        let unclosed = try message("[\n" + SchemaRows.text + ",\n" + SchemaRows.text + "\n", name: "data.json")
        #expect(unclosed.hasSuffix("/data.json:3: invalid JSON: the array is not closed by \"]\" after the element starting here"), "\(unclosed)")
        let trailing = try message("[\n" + SchemaRows.text + ",\n]\n", name: "data.json")
        #expect(trailing.hasSuffix("/data.json:3: invalid JSON: expected an array element before \"]\""), "\(trailing)")
        let after = try message("[\n" + SchemaRows.text + "\n]\nx\n", name: "data.json")
        #expect(after.hasSuffix("/data.json:4: invalid JSON: unexpected text after the array's closing \"]\""), "\(after)")
        let badElement = try message("[\n" + SchemaRows.text + ",\n\n  {\"prompt\": tru}\n]", name: "data.json")
        #expect(badElement.contains("/data.json:4: invalid JSON: "), "\(badElement)")
    }

    @Test func invalidUTF8InAnArrayElementNamesItsOwnLine() throws {
        var bytes = Data("[\n \(SchemaRows.text),\n {\"prompt\": \"x\",\n  \"chosen\": \"".utf8)
        bytes.append(contentsOf: [0xFF] + Array("\"}\n]\n".utf8))
        let message = try withDatasetFile(bytes, name: "data.json") { path in
            try #require(datasetError { _ = try DatasetFile.load(path: path) }).description
        }
        // Line 4 is `  "chosen": "` (13 bytes) then the bad byte.
        #expect(message.hasSuffix("/data.json:4: invalid UTF-8 at byte 14 of the line"), "\(message)")
    }

    @Test func skipInvalidSkipsCountsAndSaysWhy() throws {
        let rows = [
            SchemaRows.pku,
            SchemaRows.pku.replacingOccurrences(of: #""better_response_id":1"#, with: #""better_response_id":2"#),
            "{not json",
            SchemaRows.pku.replacingOccurrences(of: #""better_response_id":1"#, with: #""better_response_id":3"#),
            SchemaRows.pku,
        ]
        try withDatasetFile(rows.joined(separator: "\n") + "\n") { path in
            #expect(datasetError { _ = try DatasetFile.load(path: path) }?.line == 2)
            let file = try DatasetFile.load(path: path, skipInvalid: true)
            #expect(file.rows.map(\.source.line) == [1, 5])
            #expect(file.skipped.map(\.line) == [2, 3, 4])
            #expect(file.totalRows == 5 && file.selectedRows == 5)
            let summary = try #require(file.skipSummary)
            #expect(summary.hasPrefix("\(path): skipped 3 of 5 rows (--skip-invalid): 2 with invalid field \"better_response_id\" (first: \(path):2: field \"better_response_id\" must be 0 or 1, not 2); 1 with invalid JSON (first: \(path):3: invalid JSON: "),
                    "\(summary)")
        }
    }

    @Test func skipInvalidDoesNotSkipAnUnknownSchemaOrEverything() throws {
        try withDatasetFile(#"{"question":"q"}"# + "\n" + SchemaRows.text + "\n") { path in
            #expect(datasetError { _ = try DatasetFile.load(path: path, skipInvalid: true) } == .unknownFormat(file: path, line: 1, fields: ["question"]))
        }
        try withDatasetFile("{bad\n{worse\n") { path in
            #expect(datasetError { _ = try DatasetFile.load(path: path, skipInvalid: true) } == .empty(file: path))
        }
    }

    @Test func aFractionTakesTheFirstRowsAndLeavesTheRestUnread() throws {
        let lines = (1...5).map { SchemaRows.text.replacingOccurrences(of: "2+2?", with: "q\($0)") } + ["{not json"]
        try withDatasetFile(lines.joined(separator: "\n")) { path in
            // ⌊0.5 × 6⌋ = 3 rows; the bad sixth row is never parsed.
            let file = try DatasetFile.load(path: path, fraction: 0.5)
            #expect(file.rows.map(\.source.line) == [1, 2, 3])
            #expect(file.totalRows == 6 && file.selectedRows == 3)
            #expect(try DatasetFile.load(path: path, fraction: 0).rows.isEmpty)
            #expect(datasetError { _ = try DatasetFile.load(path: path, fraction: 1.5) } != nil)
        }
        // As Python's int(0.29 * 100): 0.29 × 100 = 28.999999999999996, so 28 rows.
        #expect(DatasetFile.rowsTaken(fraction: 0.29, of: 100) == 28)
        #expect(DatasetFile.rowsTaken(fraction: 1, of: 7) == 7)
        #expect(DatasetFile.rowsTaken(fraction: 0.999, of: 7) == 6)
    }

    @Test func aByteOrderMarkAndCRLFLinesAreAccepted() throws {
        let rows = try withDatasetFile(Data([0xEF, 0xBB, 0xBF]) + Data((SchemaRows.text + "\r\n" + SchemaRows.text + "\r\n").utf8)) {
            try DatasetFile.load(path: $0).rows
        }
        #expect(rows.map(\.source.line) == [1, 2])
    }

    @Test func tokenizedReaderReadsJSONArraysToo() throws {
        let pairs = try withDatasetFile("[\(SchemaRows.tokenized),\n\(SchemaRows.tokenized)]", name: "pairs.json") {
            try TokenizedPairReader.read(file: $0)
        }
        #expect(pairs.map(\.source.line) == [1, 2])
        #expect(pairs[1].rejectedIDs == [5, 8])
    }
}

import Foundation
import Testing
@testable import Shared

/// Each schema of docs/contracts.md ("Datasets") is detected by its fields and read into exact texts, labels and
/// chosen response.
struct DatasetFormatTests {
    func row(_ line: String, format: DatasetFormat? = nil) throws -> (DatasetFormat?, DatasetRow) {
        try withDatasetFile(line + "\n") { path in
            let file = try DatasetFile.load(path: path, format: format)
            #expect(file.rows.count == 1)
            return (file.format, file.rows[0])
        }
    }

    func text(_ row: DatasetRow) throws -> PreferenceRow {
        guard case .text(let text) = row else {
            Issue.record("expected a text row, got \(row)")
            throw DatasetError.empty(file: "")
        }
        return text
    }

    @Test func pkuSafeRLHFChoosesTheBetterResponse() throws {
        let (format, row) = try row(SchemaRows.pku)
        #expect(format == .pkuSafeRLHF)
        let pair = try text(row)
        #expect(pair.prompt == [.user("How do I pick a lock?")])
        // better_response_id 1: chosen is response_1 (unsafe), rejected response_0 (safe).
        #expect(pair.chosen == "Use a pick.")
        #expect(pair.rejected == "I can't help.")
        #expect(!pair.chosenSafe && pair.rejectedSafe)
        #expect(pair.source.line == 1)
    }

    @Test func ultraFeedbackTakesThePromptFromTheMessageListsAndCountsBothSafe() throws {
        let (format, row) = try row(SchemaRows.ultraFeedback)
        #expect(format == .ultraFeedback)
        let pair = try text(row)
        #expect(pair.prompt == [.user("Hi")])
        #expect(pair.chosen == "Hello!")
        #expect(pair.rejected == "Go away.")
        #expect(pair.chosenSafe && pair.rejectedSafe)
    }

    @Test func ultraFeedbackKeepsEarlierTurnsAndASystemMessage() throws {
        let conversation = #"[{"role":"system","content":"S"},{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"user","content":"C"}"#
        let line = #"{"chosen":\#(conversation),{"role":"assistant","content":"D1"}],"rejected":\#(conversation),{"role":"assistant","content":"D2"}]}"#
        let pair = try text(row(line).1)
        #expect(pair.prompt == [.system("S"), .user("A"), .assistant("B"), .user("C")])
        #expect(pair.chosen == "D1" && pair.rejected == "D2")
    }

    @Test func redTeamingChoosesModelOutputOneOrTwo() throws {
        let (format, row) = try row(SchemaRows.redTeaming)
        #expect(format == .redTeaming)
        let pair = try text(row)
        #expect(pair.prompt == [.user("Insult me")])
        #expect(pair.chosen == "You fool.")
        #expect(pair.rejected == "No.")
        #expect(!pair.chosenSafe && pair.rejectedSafe)
        // The string "1" is accepted too, as the reference's f"modeloutput{id}" and int(id) accept it.
        let one = try text(self.row(SchemaRows.redTeaming.replacingOccurrences(of: #""better_modelout":2"#, with: #""better_modelout":"1""#)).1)
        #expect(one.chosen == "No." && one.rejected == "You fool.")
        #expect(one.chosenSafe && !one.rejectedSafe)
    }

    @Test func genericTextKeepsItsSystemMessage() throws {
        let (format, row) = try row(SchemaRows.text)
        #expect(format == .text)
        let pair = try text(row)
        #expect(pair.prompt == [.system("Be brief."), .user("2+2?")])
        #expect(pair.chosen == "4" && pair.rejected == "5")
        #expect(pair.chosenSafe && !pair.rejectedSafe)
        let plain = try text(self.row(#"{"prompt":"p","chosen":"c","rejected":"r","is_chosen_safe":false,"is_rejected_safe":true}"#).1)
        #expect(plain.prompt == [.user("p")])
        #expect(!plain.chosenSafe && plain.rejectedSafe)
    }

    @Test func tokenizedRowsPassThrough() throws {
        let (format, row) = try row(SchemaRows.tokenized)
        #expect(format == .tokenized)
        guard case .tokenized(let pair) = row else { Issue.record("expected a tokenized row"); return }
        #expect(pair.chosenIDs == [5, 6, 7] && pair.chosenMask == [false, true, true])
        #expect(pair.rejectedIDs == [5, 8] && pair.chosenSafe && !pair.rejectedSafe)
    }

    @Test func anExplicitFormatOverridesDetection() throws {
        // A PKU row read as the generic text form lacks "chosen".
        let error = datasetError { _ = try row(SchemaRows.pku, format: .text) }
        #expect(error?.description.hasSuffix(":1: field \"chosen\" is missing") == true, "\(String(describing: error))")
        #expect(DatasetFormat(rawValue: "pku-saferlhf") == .pkuSafeRLHF)
        #expect(DatasetFormat.allCases.map(\.rawValue) == ["tokenized", "pku-saferlhf", "ultrafeedback", "redteaming", "text"])
    }

    @Test func aRowOfNoKnownSchemaIsAnErrorListingItsFields() throws {
        let error = try withDatasetFile(#"{"question":"q","answer":"a"}"# + "\n") { path in
            datasetError { _ = try DatasetFile.load(path: path) }
        }
        #expect(error?.description.contains(":1: the row (fields \"answer\", \"question\") matches no known dataset schema") == true,
                "\(String(describing: error))")
    }
}

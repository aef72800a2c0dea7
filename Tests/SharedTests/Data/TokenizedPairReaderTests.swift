import Foundation
import Testing
@testable import Shared

struct TokenizedPairReaderTests {
    @discardableResult
    func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString).jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    let good = #"{"chosen_ids":[5,6,7],"chosen_mask":[0,1,1],"rejected_ids":[5,8],"rejected_mask":[0,1],"is_chosen_safe":1,"is_rejected_safe":false}"#

    @Test func readsPairsAndSkipsBlankLines() throws {
        let pairs = try withFile(good + "\n\n" + good.replacingOccurrences(of: "\"is_chosen_safe\":1", with: "\"is_chosen_safe\":0") + "\n") {
            try TokenizedPairReader.read(file: $0)
        }
        #expect(pairs.count == 2)
        #expect(pairs[0].chosenIDs == [5, 6, 7])
        #expect(pairs[0].chosenMask == [false, true, true])
        #expect(pairs[0].rejectedIDs == [5, 8])
        #expect(pairs[0].chosenSafe && !pairs[0].rejectedSafe)
        #expect(!pairs[1].chosenSafe)
        #expect(pairs[1].source.line == 3)
        #expect(pairs[0].chosenResponseTokens == 2)
    }

    /// Each malformed row fails naming its line and field.
    @Test(arguments: [
        (#""chosen_ids":[5,6,7],"#, "", "chosen_ids", "missing"),
        (#"[5,6,7]"#, "[5,6]", "chosen_mask", "has 3 entries but chosen_ids has 2"),
        (#""chosen_mask":[0,1,1]"#, #""chosen_mask":[1,1,1]"#, "chosen_mask", "mask[0] = 1"),
        (#""rejected_mask":[0,1]"#, #""rejected_mask":[0,0]"#, "rejected_mask", "marks no response token"),
        (#""chosen_mask":[0,1,1]"#, #""chosen_mask":[0,2,1]"#, "chosen_mask", "only 0 and 1"),
        (#"[5,6,7]"#, "[5,6.5,7]", "chosen_ids", "only integers"),
        (#"[5,6,7]"#, "[5,-6,7]", "chosen_ids", "negative id"),
        (#""is_rejected_safe":false"#, #""is_rejected_safe":"no""#, "is_rejected_safe", "true, false, 1 or 0"),
    ])
    func malformedRowNamesLineAndField(find: String, replace: String, field: String, reason: String) throws {
        let bad = good.replacingOccurrences(of: find, with: replace)
        do {
            _ = try withFile(good + "\n" + bad + "\n") { try TokenizedPairReader.read(file: $0) }
            Issue.record("expected an error for \(bad)")
        } catch let error as DatasetError {
            let message = error.description
            #expect(message.contains(":2: field \"\(field)\""), "\(message)")
            #expect(message.contains(reason), "\(message)")
        }
    }

    @Test func invalidJSONAndEmptyFilesAreErrors() throws {
        #expect(throws: DatasetError.self) { try withFile(good + "\n{not json\n") { try TokenizedPairReader.read(file: $0) } }
        try withFile("\n  \n") { path in
            #expect(throws: DatasetError.empty(file: path)) { try TokenizedPairReader.read(file: path) }
        }
        #expect(throws: DatasetError.self) { try TokenizedPairReader.read(file: "/nonexistent/pairs.jsonl") }
    }

    @Test func idsOutsideTheModelAreRefusedWithTheirLine() throws {
        let pairs = try withFile(good + "\n") { try TokenizedPairReader.read(file: $0) }
        #expect(throws: DatasetError.self) { try pairs[0].validate(vocabulary: 8, maxPositions: 16) }
        #expect(throws: DatasetError.self) { try pairs[0].validate(vocabulary: 9, maxPositions: 2) }
        try pairs[0].validate(vocabulary: 9, maxPositions: 3)
    }
}

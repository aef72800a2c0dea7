import EventFileReading
import Testing
@testable import Shared

extension MetricsTests {
    @Suite struct TFRecordFraming {
        /// The record of a 26-byte event, every byte worked out beforehand: the length 26 as uint64 little-endian,
        /// its masked CRC-32C 0x2DD89B12, the data, the data's masked CRC-32C 0x55B254D0.
        @Test func recordIsLengthMaskedCRCDataMaskedCRCLittleEndian() {
            let data = EventCodec.lossEventBytes
            var record: [UInt8] = []
            TFRecord.append(data, to: &record)
            let expected: [UInt8] = [26, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x9B, 0xD8, 0x2D] + data + [0xD0, 0x54, 0xB2, 0x55]
            #expect(record == expected)
            #expect(record.count == data.count + TFRecord.overhead)
        }

        @Test func recordsRoundTripThroughAnIndependentReader() throws {
            let payloads: [[UInt8]] = [[], [0x42], Array("brain.Event:2".utf8), [UInt8](repeating: 0xA5, count: 300)]
            var file: [UInt8] = []
            for payload in payloads { TFRecord.append(payload, to: &file) }
            #expect(try EventFileReader.records(file) == payloads)
        }

        /// A flipped bit in the length or the data, or a record cut short, is caught by the reader: what each CRC is for.
        @Test func corruptOrCutRecordsAreDetected() {
            var file: [UInt8] = []
            TFRecord.append(Array("scalar".utf8), to: &file)
            var badLength = file
            badLength[0] ^= 0x01
            #expect(throws: EventFileReader.Failure.lengthCRCMismatch(offset: 0)) { try EventFileReader.records(badLength) }
            var badData = file
            badData[13] ^= 0x80
            #expect(throws: EventFileReader.Failure.dataCRCMismatch(offset: 0)) { try EventFileReader.records(badData) }
            #expect(throws: EventFileReader.Failure.truncated(offset: 0)) { try EventFileReader.records(Array(file.dropLast())) }
        }
    }
}

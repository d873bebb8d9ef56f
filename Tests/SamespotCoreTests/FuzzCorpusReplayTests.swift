import Foundation
import Testing

/// Every input libFuzzer kept (scripts/fuzz: the inputs that reached new code, and every input
/// that once broke a property) is checked again on each test run, in well under a second.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = corpus.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
            (name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test func addressNormalizerCorpus() throws {
        let inputs = try Self.inputs("address")
        #expect(inputs.count >= 50, "the kept corpus is missing: \(Self.corpus.path)")
        for input in inputs {
            let failure = FuzzProperties.addressNormalizer(input.bytes)
            #expect(failure == nil, "\(input.name): \(failure ?? "")")
        }
    }

    @Test func csvReaderCorpus() throws {
        let inputs = try Self.inputs("csv")
        #expect(inputs.count >= 5, "the kept corpus is missing: \(Self.corpus.path)")
        for input in inputs {
            let failure = FuzzProperties.csvReader(input.bytes)
            #expect(failure == nil, "\(input.name): \(failure ?? "")")
        }
    }
}

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

    /// Each fuzz target, the least its kept corpus holds, and its properties.
    static let targets: [(name: String, minimumInputs: Int, check: @Sendable ([UInt8]) -> String?)] = [
        ("address", 50, FuzzProperties.addressNormalizer),
        ("csv", 5, FuzzProperties.csvReader),
    ]

    @Test(arguments: 0..<targets.count) func keptCorpusStillHolds(_ target: Int) throws {
        let (name, minimumInputs, check) = Self.targets[target]
        let inputs = try Self.inputs(name)
        #expect(inputs.count >= minimumInputs, "the kept corpus is missing: \(Self.corpus.path)/\(name)")
        for input in inputs {
            let failure = check(input.bytes)
            #expect(failure == nil, "\(name)/\(input.name): \(failure ?? "")")
        }
    }
}

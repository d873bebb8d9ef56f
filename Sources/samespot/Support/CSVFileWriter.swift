import ArgumentParser
import Foundation
import SamespotCore
import Synchronization

/// A CSV file written record by record through a 1 MB buffer (a city-year is hundreds of MB),
/// then flushed and synced by `finish`, so a file said to be written is on disk.
final class CSVFileWriter: Sendable {
    private let handle: FileHandle
    private let buffer = Mutex<[UInt8]>([])
    private static let flushAt = 1 << 20

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot create \(path)")
        }
        self.handle = handle
    }

    func write(_ fields: [String]) throws {
        let full = buffer.withLock { bytes -> [UInt8]? in
            bytes.append(contentsOf: (CSVWriter.record(fields) + "\r\n").utf8)
            guard bytes.count >= Self.flushAt else { return nil }
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        if let full { try handle.write(contentsOf: full) }
    }

    func finish() throws {
        let rest = buffer.withLock { bytes in defer { bytes.removeAll() }; return bytes }
        try handle.write(contentsOf: rest)
        try handle.synchronize()
        try handle.close()
    }
}

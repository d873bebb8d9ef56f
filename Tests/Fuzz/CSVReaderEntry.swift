// libFuzzer's entry for the CSV reader (scripts/fuzz csv); the properties are in
// Tests/SamespotCoreTests/FuzzProperties.swift, shared with the corpus replay test.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let failure = FuzzProperties.csvReader(Array(UnsafeBufferPointer(start: data, count: size))) {
        fatalError(failure)
    }
    return 0
}

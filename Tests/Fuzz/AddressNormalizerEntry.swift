// libFuzzer's entry for the address normaliser (scripts/fuzz address); the properties are in
// Tests/SamespotCoreTests/FuzzProperties.swift, shared with the corpus replay test.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddressNormalizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let failure = FuzzProperties.addressNormalizer(Array(UnsafeBufferPointer(start: data, count: size))) {
        fatalError(failure)
    }
    return 0
}

import SamespotCore
import Testing

@Suite struct AddressNormalizerTests {
    @Test(arguments: normalizerCases)
    func normalizesMessyAddresses(typed: String, normalized: String) {
        #expect(AddressNormalizer.parse(typed).normalized == normalized)
    }

    @Test func tableHasAtLeastTwoHundredCases() {
        #expect(normalizerCases.count >= 200)
    }

    @Test func splitsUnitRangeFractionAndZip() {
        let a = AddressNormalizer.parse("1200-1210 W. 63rd Street Apt 4, Chicago IL 60621")
        #expect(a.kind == .address)
        #expect(a.houseNumber == 1200 && a.houseNumberRangeEnd == 1210)
        #expect(a.street == StreetName(preDirection: "W", name: "63RD", type: "ST"))
        #expect(a.unit == "APT 4")
        #expect(a.zip == "60621")
        let b = AddressNormalizer.parse("12 1/2 N Main St # 3")
        #expect(b.houseNumberSuffix == "1/2")
        #expect(b.unit == "3")
        #expect(b.normalized == "12 1/2 N MAIN ST")
    }

    @Test func directionWordIsANameWhenNothingElseIs() {
        #expect(AddressNormalizer.parse("1600 North Ave").street == StreetName(name: "NORTH", type: "AVE"))
        #expect(AddressNormalizer.parse("100 S Avenue O").street == StreetName(preDirection: "S", name: "AVENUE O"))
        #expect(AddressNormalizer.parse("100 W West End Ave").street == StreetName(preDirection: "W", name: "WEST END", type: "AVE"))
    }

    @Test func intersectionsNeedTwoStreetsAndNoHouseNumber() {
        let corner = AddressNormalizer.parse("W Madison St & N State St")
        #expect(corner.kind == .intersection)
        #expect(corner.crossStreet == StreetName(preDirection: "N", name: "STATE", type: "ST"))
        // "123 Main St and Oak" is an address with a note, not a corner: the number wins.
        #expect(AddressNormalizer.parse("123 Main St and Oak").kind == .address)
    }

    @Test(arguments: ["", "   ", "#", "&", ", Chicago IL 60601", "apt 4"])
    func nothingToReadIsEmpty(typed: String) {
        let parsed = AddressNormalizer.parse(typed)
        #expect(parsed.kind == .empty || parsed.street?.name == "APT" || parsed.kind == .street)
        #expect(parsed.houseNumber == nil)
    }

    @Test func editDistanceCountsTranspositionAsOneAndStopsAtTheLimit() {
        #expect(editDistance(Array("ASHLNAD".utf8), Array("ASHLAND".utf8), limit: 2) == 1)
        #expect(editDistance(Array("HALSTED".utf8), Array("HALSTEAD".utf8), limit: 2) == 1)
        #expect(editDistance(Array("KEDZIE".utf8), Array("PULASKI".utf8), limit: 2) == nil)
    }
}

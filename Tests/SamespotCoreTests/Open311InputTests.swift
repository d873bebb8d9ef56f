import SamespotCore
import Testing

@Suite struct FormURLEncodedTests {
    @Test func decodesPlusPercentAndRepeats() throws {
        let pairs = try FormURLEncoded.parse(Array("service_code=PHF&description=deep+hole%0D%0Acaf%C3%A9&attribute%5Bx%5D=a&attribute[x]=b&flag".utf8))
        #expect(pairs.map(\.key) == ["service_code", "description", "attribute[x]", "attribute[x]", "flag"])
        #expect(pairs[1].value == "deep hole\r\ncafé")
        #expect(pairs[4].value == "")
        #expect(FormURLEncoded.attributes(pairs) == ["x": ["a", "b"]])
    }

    @Test func readsBothListFormsAndIgnoresOtherKeys() throws {
        let pairs = try FormURLEncoded.parse(Array("attribute[kinds][]=glass&attribute[kinds][]=metal&attribute[uprn]=1&attributes=x&attribute[]=y".utf8))
        #expect(FormURLEncoded.attributes(pairs) == ["kinds": ["glass", "metal"], "uprn": ["1"]])
    }

    @Test func refusesBrokenEscapesAndBytesThatAreNotUTF8() {
        #expect(throws: FormURLEncoded.DecodingError.self) { try FormURLEncoded.parse(Array("a=%4".utf8)) }
        #expect(throws: FormURLEncoded.DecodingError.self) { try FormURLEncoded.parse(Array("a=%zz".utf8)) }
        #expect(throws: FormURLEncoded.DecodingError.self) { try FormURLEncoded.parse(Array("a=%FF".utf8)) }
    }
}

@Suite struct W3CDateTimeTests {
    @Test func readsZonesOffsetsAndLocalTimes() {
        #expect(W3CDateTime.parse("2021-01-01T06:00:00Z") == .instant(1_609_480_800))
        #expect(W3CDateTime.parse("2021-01-01T00:00:00-06:00") == .instant(1_609_480_800))
        #expect(W3CDateTime.parse("2021-01-01T07:00:00+0100") == .instant(1_609_480_800))
        #expect(W3CDateTime.parse("2021-01-01T07:00:00.000+01") == .instant(1_609_480_800))
        // An unencoded "+" that arrived as a space.
        #expect(W3CDateTime.parse("2021-01-01T07:00:00 01:00") == .instant(1_609_480_800))
        #expect(W3CDateTime.parse("2021-01-01") == .local(CityTimestamp(year: 2021, month: 1, day: 1, hasTimeOfDay: false)))
        #expect(W3CDateTime.parse("2021-01-01T09:30:00") == .local(CityTimestamp(year: 2021, month: 1, day: 1, hour: 9, minute: 30)))
        for bad in ["", "yesterday", "2021-13-01", "2021-01-01T25:00:00Z", "2021-01-01T09:30:00+99:00", "2021-01-01Tnoon"] {
            #expect(W3CDateTime.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct ServiceAttributeTests {
    let definitions = [
        ServiceAttribute(code: "DEPTH", datatype: .number, required: true, order: 1, description: "How deep is it (cm)?"),
        ServiceAttribute(code: "WHERE", datatype: .singlevaluelist, order: 2, description: "Where on the street?",
                         values: [.init(key: "lane", name: "In a lane"), .init(key: "curb", name: "At the curb")]),
        ServiceAttribute(code: "KINDS", datatype: .multivaluelist, order: 3, description: "What is in it?",
                         values: [.init(key: "glass", name: "Glass"), .init(key: "water", name: "Water")]),
        ServiceAttribute(code: "NOTE", variable: false, datatype: .text, order: 4, description: "Crews fill holes within 7 days."),
    ]

    @Test func acceptsGoodAnswersAndIgnoresUnknownCodes() throws {
        let accepted = try ServiceAttribute.validate(["DEPTH": ["12"], "WHERE": ["lane"], "KINDS": ["glass", "water"], "uprn": ["9"], "NOTE": ["x"]],
                                                     against: definitions).get()
        #expect(accepted == ["DEPTH": ["12"], "WHERE": ["lane"], "KINDS": ["glass", "water"]])
    }

    @Test func refusesWithTheAttributeNamed() {
        func error(_ sent: [String: [String]]) -> String? {
            if case .failure(let e) = ServiceAttribute.validate(sent, against: definitions) { return e.message }
            return nil
        }
        #expect(error([:]) == "attribute[DEPTH] is required: How deep is it (cm)?")
        #expect(error(["DEPTH": ["deep"]]) == "attribute[DEPTH] must be a number")
        #expect(error(["DEPTH": ["3"], "WHERE": ["sky"]]) == "attribute[WHERE] is \"sky\"; it must be one of: lane, curb")
        #expect(error(["DEPTH": ["3"], "WHERE": ["lane", "curb"]]) == "attribute[WHERE] takes one of its values, not 2")
        #expect(error(["DEPTH": ["3"], "KINDS": ["glass", "fire"]]) == "attribute[KINDS] is \"fire\"; it must be one of: glass, water")
        #expect(error(["DEPTH": ["3"]]) == nil)
    }
}

@Suite struct RoleTests {
    @Test func eachRoleMayDoWhatItNeedsAndNoMore() {
        let intake = Principal(keyID: 1, role: .intake), planner = Principal(keyID: 2, role: .planner)
        let office = Principal(keyID: 3, role: .wardOffice, wards: ["15"]), admin = Principal(keyID: 4, role: .admin)
        #expect(Principal.anonymous.can(.readOpen311) && Principal.anonymous.can(.matches))
        #expect(!Principal.anonymous.can(.readCases) && !Principal.anonymous.can(.intake) && !Principal.anonymous.can(.clusters))
        #expect(intake.can(.intake) && intake.can(.workCases) && !intake.can(.clusters) && !intake.can(.editRules))
        #expect(planner.can(.clusters) && planner.can(.wardSummaries) && !planner.can(.intake) && !planner.can(.wardRequests))
        #expect(office.can(.wardRequests) && !office.can(.workCases) && office.can(.addNotes))
        #expect(Permission.allCases.allSatisfy(admin.can))
        // Requester names: ward offices in their own wards, admins, nobody else.
        #expect(office.maySeeRequesters(inWard: "15") && !office.maySeeRequesters(inWard: "16"))
        #expect(admin.maySeeRequesters(inWard: "16") && !planner.maySeeRequesters(inWard: "15") && !intake.maySeeRequesters(inWard: "15"))
        #expect(Principal.anonymous.maxMatchRadiusMetres == 250 && intake.maxMatchRadiusMetres == 1_000)
        #expect(intake.actor == "intake#1")
    }
}

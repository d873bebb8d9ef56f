#!/usr/bin/python3
"""The web page in a real browser: Debian's chromium, driven by chromedriver through Debian's
python3-selenium, against a live `samespot serve` on the sample city (started by
scripts/browser-test, which passes its address and keys in the environment).

Each check asserts values the API itself gives, so a page that shows the wrong figure, drops a
case or leaks a name fails. Screenshots go to screenshots/ (git-ignored); figures (time to first
render, bytes of the page's own files, time to draw the hotspot map) are printed, not asserted.

Run by scripts/browser-test; it ends with one line "browser: N passed, N failed".
"""
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import ElementClickInterceptedException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["SAMESPOT_URL"]
KEYS = {role: os.environ["SAMESPOT_KEY_" + role.upper()] for role in ("admin", "intake", "planner", "public")}
SHOTS = os.environ.get("SAMESPOT_SCREENSHOTS", "screenshots")
DOWNLOADS = os.path.join(SHOTS, "downloads")
# A type with a required question, made by the test (the sample catalog asks none).
QUESTION_TYPE = {"service_code": "WEBTEST_DEAD_ANIMAL", "service_name": "Dead Animal Pick-Up (browser test)", "about_a_place": True,
                 "attributes": [{"code": "SIZE", "datatype": "singlevaluelist", "required": True, "description": "How large is the animal?",
                                 "values": [{"key": "small", "name": "Smaller than a cat"}, {"key": "large", "name": "Larger than a cat"}]}]}
# Personal data posted before the run: no page of a public or intake key may show any of it.
PERSON = {"first_name": "Zelda", "last_name": "Quixworthy", "email": "zelda.quixworthy@example.org", "phone": "312-555-0199"}
SECRETS = [PERSON["last_name"], PERSON["email"], PERSON["phone"], "Ophelia", "Brambleton", "ophelia.brambleton@example.net"]
SEEDED_ADDRESS_TYPED = "4853 s. wood street"


# ---- the API, as a second opinion ----

def call(path, key=None, method="GET", body=None):
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if "json" in response.headers.get("Content-Type", "") else text


def seed():
    """An open case at a known address, with a named caller; an Open311 report with another; a
    service type that asks a question."""
    code = QUESTION_TYPE["service_code"]
    call(f"/v1/services/{code}", KEYS["admin"], "PUT", {k: v for k, v in QUESTION_TYPE.items() if k != "service_code"})
    services = call("/v1/services", KEYS["admin"])["services"]
    code = next(s["service_code"] for s in services if s["service_name"] == "Sanitation Code Violation")
    case = call("/v1/requests", KEYS["intake"], "POST", {
        "service_code": code, "address": "4853 S WOOD ST", "description": "Overflowing dumpster behind the building", **PERSON})
    form = urllib.parse.urlencode({"api_key": KEYS["public"], "service_code": code, "address_string": "1200 W 63rd St",
                                   "first_name": "Ophelia", "last_name": "Brambleton", "email": "ophelia.brambleton@example.net"})
    request = urllib.request.Request(BASE + "/open311/v2/requests.json", data=form.encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    urllib.request.urlopen(request, timeout=30).read()
    # On a database an earlier run left, the report merges into that run's case: the open case is the parent.
    return {"id": case.get("parent_service_request_id") or case["service_request_id"], "code": code, "ward": case["location"]["ward"]}


# ---- the browser ----

def browser(width=1280, height=800):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--lang=en-US"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.makedirs(DOWNLOADS, exist_ok=True)
    options.add_experimental_option("prefs", {"download.default_directory": os.path.abspath(DOWNLOADS),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(width, height)
    return driver


def wait(driver, condition, seconds=30):
    return WebDriverWait(driver, seconds).until(condition)


def sign_in(driver, role, path="/"):
    driver.get(BASE + path)
    key_box = wait(driver, EC.visibility_of_element_located((By.ID, "signin-key")))
    # Nobody is signed in yet: no role and no "Change key" (the wait below relies on it).
    assert not driver.find_element(By.ID, "who").is_displayed(), "the sign-in page shows a signed-in role"
    if role == "anonymous":
        driver.find_element(By.ID, "signin-public").click()
    else:
        key_box.send_keys(KEYS[role])
        key_box.send_keys(Keys.ENTER)
    wait(driver, EC.visibility_of_element_located((By.ID, "who")))


def open_view(driver, name):
    driver.find_element(By.CSS_SELECTOR, f'#nav a[data-view="{name}"]').click()
    wait(driver, lambda d: d.execute_script(f"return Samespot.timings[{json.dumps(name)}] !== undefined"))


def text_of(driver, css):
    """An element's text, read in one step (the page may replace the element between two)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css)


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def shoot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def no_personal_data(driver, where):
    text = driver.page_source
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{where}: the page shows personal data {leaked}"


def downloaded(name, seconds=20):
    """The text of a file the page saved, once Chromium has finished writing it."""
    path = os.path.join(DOWNLOADS, name)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            with open(path, encoding="utf-8") as f:
                return f.read()
        time.sleep(0.2)
    raise AssertionError(f"the page did not save {name}")


def clear_downloads():
    for name in os.listdir(DOWNLOADS):
        os.remove(os.path.join(DOWNLOADS, name))


def number(text):
    return float(text.replace(",", "")) if text not in ("", "–") else None


# ---- the checks ----

def test_intake_already_reported_then_join_and_submit(context):
    seeded = context["seeded"]
    driver = context["driver"]
    sign_in(driver, "intake")
    wait(driver, lambda d: d.execute_script("return Samespot.timings.intake !== undefined"))
    box = driver.find_element(By.ID, "intake-address")
    box.send_keys(SEEDED_ADDRESS_TYPED)
    # Suggestions come from the geocoder as staff type.
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#intake-suggestions option[value='4853 S WOOD ST']"))
    box.send_keys(Keys.ENTER)
    item = wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, f'#matches-list li[data-id="{seeded["id"]}"]')))
    before = call(f"/v1/cases/{seeded['id']}", KEYS["intake"])["child_count"]
    reports = lambda n: f"{n} report" + ("" if n == 1 else "s")
    assert reports(before + 1) in item.text, f"the case should show {reports(before + 1)}: {item.text!r}"
    distances = [number(li.text.split(" m away")[0].split("\n")[-1]) for li in driver.find_elements(By.CSS_SELECTOR, "#matches-list li")]
    assert distances == sorted(distances), f"already reported is not nearest first: {distances}"
    shoot(driver, "intake")
    item.find_element(By.CSS_SELECTOR, "button.join").click()
    tracking = wait(driver, EC.visibility_of_element_located((By.ID, "intake-tracking"))).text
    assert tracking and tracking != seeded["id"], f"joining should give the caller a tracking number of their own: {tracking!r}"
    after = call(f"/v1/cases/{seeded['id']}", KEYS["intake"])["child_count"]
    assert after == before + 1, f"the case's report count should go up by one: {before} → {after}"
    joined = call(f"/v1/cases/{tracking}", KEYS["intake"])
    assert joined.get("parent_service_request_id") == seeded["id"] or joined.get("parent", {}).get("service_request_id") == seeded["id"] \
        or seeded["id"] in json.dumps(joined), "the joined request should name its parent"
    wait(driver, lambda d: reports(after + 1) in text_of(d, f'#matches-list li[data-id="{seeded["id"]}"]'))
    # A new request of the same type at the same spot: merged, and the page says into which case and why.
    Select(driver.find_element(By.ID, "intake-service")).select_by_value(seeded["code"])
    driver.find_element(By.ID, "intake-submit").click()
    wait(driver, lambda d: "merged into case" in text_of(d, "#intake-result"))
    result = driver.find_element(By.ID, "intake-result").text
    assert seeded["id"] in result and "same address" in result, f"the merge should name the parent and why: {result!r}"
    shoot(driver, "intake-merged")
    # A type that asks a question: the page asks it, will not send the report without the
    # required answer (and says why), and sends it with the answer.
    Select(driver.find_element(By.ID, "intake-service")).select_by_value(QUESTION_TYPE["service_code"])
    question = wait(driver, EC.visibility_of_element_located((By.ID, "intake-q-SIZE")))
    assert "How large is the animal?" in driver.find_element(By.CSS_SELECTOR, 'label[for="intake-q-SIZE"]').text
    driver.find_element(By.ID, "intake-submit").click()
    wait(driver, lambda d: "Answer “How large is the animal?”: this type requires it." in text_of(d, "#status"))
    assert driver.switch_to.active_element == question, "the unanswered question should have the focus"
    Select(question).select_by_value("large")
    before_tracking = text_of(driver, "#intake-tracking")
    driver.find_element(By.ID, "intake-submit").click()
    wait(driver, lambda d: text_of(d, "#intake-tracking") not in ("", before_tracking))
    assert "A new case" in driver.find_element(By.ID, "intake-result").text
    no_personal_data(driver, "intake page (intake key)")
    shoot(driver, "intake-question")


def test_hotspots_draw_every_ward_and_list_a_cluster(context):
    driver = context["driver"]
    sign_in(driver, "planner")
    open_view(driver, "hotspots")
    wait(driver, lambda d: d.execute_script("return Samespot.timings.hotspotsDraw !== undefined"), 60)
    city = call("/v1/city", KEYS["planner"])
    in_use = next(s for s in city["ward_sets"] if s["in_use"])
    wards = driver.find_elements(By.CSS_SELECTOR, "#hs-map path.ward")
    assert len(wards) == in_use["wards"], f"the map should draw every ward of {in_use['name']}: {len(wards)} of {in_use['wards']}"
    marks = driver.find_elements(By.CSS_SELECTOR, "#hs-map path.cluster")
    assert marks, "the hotspot map should draw at least one cluster"
    # The same question to the API: the largest cluster's size.
    params = urllib.parse.urlencode({"start_date": city["requests"]["first"], "end_date": city["requests"]["last"], "eps": 50, "min_points": 5})
    largest = call("/v1/clusters?" + params, KEYS["planner"])["features"][0]["properties"]["count"]
    shoot(driver, "hotspots")
    try:
        marks[-1].click()  # the largest cluster is drawn last, on top
    except ElementClickInterceptedException:
        driver.find_element(By.CSS_SELECTOR, "#hs-cluster-list button").click()
    table = wait(driver, EC.visibility_of_element_located((By.ID, "hs-cases")), 60)
    wait(driver, lambda d: table.get_attribute("data-count"))
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert int(table.get_attribute("data-count")) == len(rows) == largest, \
        f"the cluster lists {len(rows)} cases; its size is {largest}"
    assert driver.find_elements(By.CSS_SELECTOR, "#hs-map path.hull"), "the cluster's hull should be drawn"
    clear_downloads()
    driver.find_element(By.ID, "hs-geojson").click()
    saved = json.loads(downloaded("hotspots.geojson"))
    assert saved["type"] == "FeatureCollection" and len(saved["features"]) == len(marks), "the GeoJSON should hold every cluster drawn"
    driver.find_element(By.ID, "hs-csv").click()
    lines = downloaded("hotspots.csv").strip().splitlines()
    assert lines[0].startswith("rank,requests,reports,lat,long") and len(lines) == len(marks) + 1
    assert lines[1].split(",")[1] == str(largest), f"the CSV's first cluster should be the largest: {lines[1]!r}"
    context["figures"]["hotspot map drawn (ms, fetch + draw, full sample)"] = driver.execute_script("return Samespot.timings.hotspotsDraw")
    context["figures"]["hotspot clusters drawn"] = len(marks)
    no_personal_data(driver, "hotspots page (planner key)")
    shoot(driver, "hotspots-cluster")


def test_ward_table_matches_the_api_and_compares_two_maps(context):
    driver = context["driver"]
    sign_in(driver, "planner")
    open_view(driver, "wards")
    city = call("/v1/city", KEYS["planner"])
    set_a = next(s["name"] for s in city["ward_sets"] if s["in_use"])
    period = {"from": city["requests"]["first"], "to": city["requests"]["last"]}
    api_a = call("/v1/wards/summary?" + urllib.parse.urlencode({**period, "ward_set": set_a}), KEYS["planner"])
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#w-table tfoot td[data-key='opened']"))
    total = number(driver.find_element(By.CSS_SELECTOR, "#w-table tfoot td[data-key='opened']").text)
    assert total == api_a["city"]["opened"], f"the table's total {total} differs from the API's {api_a['city']['opened']}"
    for key in ("closed", "backlog", "duplicates"):
        shown = number(driver.find_element(By.CSS_SELECTOR, f"#w-table tfoot td[data-key='{key}']").text)
        assert shown == api_a["city"][key], f"total {key}: page {shown}, API {api_a['city'][key]}"
    by_ward = {w["group"]: w["opened"] for w in api_a["wards"]}
    for row in driver.find_elements(By.CSS_SELECTOR, "#w-table tbody tr"):
        ward = row.get_attribute("data-ward")
        assert number(row.find_elements(By.TAG_NAME, "td")[0].text) == by_ward[ward], f"ward {ward}'s figure differs from the API's"
    # Sorting by "Received", largest first.
    driver.find_elements(By.CSS_SELECTOR, "#w-table thead button.sort")[1].click()
    first = number(driver.find_element(By.CSS_SELECTOR, "#w-table tbody tr td").text)
    assert first == max(by_ward.values()), f"sorted by received, the first row should be the largest ({first})"
    shoot(driver, "wards")
    clear_downloads()
    driver.find_element(By.ID, "w-csv").click()
    rows = downloaded(f"wards-{set_a}-{period['from']}.csv").strip().splitlines()
    city_row = next(r for r in rows if r.startswith("city,"))
    assert rows[0].startswith("ward,opened,") and int(city_row.split(",")[1]) == api_a["city"]["opened"], "the CSV should be the API's"
    # A council office prints the table: no navigation, no forms.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not driver.find_element(By.ID, "wards-form").is_displayed() and not driver.find_element(By.ID, "nav").is_displayed()
    assert driver.find_element(By.ID, "w-table").is_displayed()
    shoot(driver, "wards-print")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # Election year: the old map beside the one in use.
    set_b = next(s["name"] for s in city["ward_sets"] if s["name"] != set_a)
    Select(driver.find_element(By.ID, "w-compare")).select_by_value(set_b)
    driver.find_element(By.CSS_SELECTOR, "#wards-form button[type='submit']").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#w-table tfoot td[data-key='opened@b']"))
    headings = driver.find_element(By.CSS_SELECTOR, "#w-table thead").text
    assert set_a in headings and set_b in headings, f"both maps should be named in the comparison: {headings!r}"
    api_b = call("/v1/wards/summary?" + urllib.parse.urlencode({**period, "ward_set": set_b}), KEYS["planner"])
    for key, answer in (("opened@a", api_a), ("opened@b", api_b)):
        shown = number(driver.find_element(By.CSS_SELECTOR, f"#w-table tfoot td[data-key='{key}']").text)
        assert shown == answer["city"]["opened"], f"{key}: page {shown}, API {answer['city']['opened']}"
    assert not driver.find_element(By.ID, "w-requests").is_displayed(), "a planner's page must not offer requester lists"
    no_personal_data(driver, "wards page (planner key)")
    shoot(driver, "wards-compare")


def test_customer_service_report_matches_the_api(context):
    """The customer-service report and the unresolved cases on the ward page say what the API says."""
    driver = context["driver"]
    sign_in(driver, "planner")
    open_view(driver, "wards")
    city = call("/v1/city", KEYS["planner"])
    period = {"from": city["requests"]["first"], "to": city["requests"]["last"]}
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#w-service-table tbody tr"))
    by_type = call("/v1/reports/cases?" + urllib.parse.urlencode({**period, "by": "type"}), KEYS["planner"])
    rows = driver.find_elements(By.CSS_SELECTOR, "#w-service-table tbody tr")
    assert len(rows) == len(by_type["rows"]), f"{len(rows)} rows on the page, {len(by_type['rows'])} from the API"
    for row, expected in zip(rows[:5], by_type["rows"][:5]):
        assert row.get_attribute("data-key") == expected["key"]
        received = number(row.find_element(By.CSS_SELECTOR, "td[data-key='received']").text)
        late = number(row.find_element(By.CSS_SELECTOR, "td[data-key='respond_breaches']").text)
        assert (received, late) == (expected["received"], expected["respond_breaches"]), f"{expected['key']}: page {received}/{late}"
    Select(driver.find_element(By.ID, "w-service-by")).select_by_value("department")
    driver.find_element(By.CSS_SELECTOR, "#w-service-form button[type='submit']").click()
    by_department = call("/v1/reports/cases?" + urllib.parse.urlencode({**period, "by": "department"}), KEYS["planner"])
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#w-service-table tbody tr")) == len(by_department["rows"]))
    unresolved = call("/v1/reports/unresolved?limit=200", KEYS["planner"])
    wait(driver, lambda d: "open cases" in d.find_element(By.ID, "w-open-summary").text or "No open" in d.find_element(By.ID, "w-open-summary").text)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#w-open-table tbody tr")) == unresolved["count"]
    clear_downloads()
    driver.find_element(By.ID, "w-service-csv").click()
    lines = downloaded("cases-by-department.csv").strip().splitlines()
    assert lines[0].startswith("key,label,received,") and len(lines) == len(by_department["rows"]) + 1
    no_personal_data(driver, "customer-service report (planner key)")
    shoot(driver, "wards-customer-service")


def test_ward_office_sees_its_own_requesters(context):
    """The positive control for the privacy checks: the one role that may see names does."""
    driver = context["driver"]
    driver.get(BASE + "/")
    driver.execute_script("sessionStorage.clear()")
    driver.get(BASE + "/")
    key_box = wait(driver, EC.visibility_of_element_located((By.ID, "signin-key")))
    key_box.send_keys(context["office_key"])
    key_box.send_keys(Keys.ENTER)
    wait(driver, lambda d: d.execute_script("return Samespot.timings.wards !== undefined"))
    section = driver.find_element(By.ID, "w-requests")
    assert section.is_displayed(), "a ward office should see its ward's request list"
    section.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait(driver, lambda d: PERSON["last_name"] in d.find_element(By.ID, "w-req-table").text, 30)


def test_public_pages_show_no_personal_data(context):
    driver = context["driver"]
    for role in ("public", "anonymous"):
        driver.get(BASE + "/")
        driver.execute_script("sessionStorage.clear()")
        sign_in(driver, role)
        wait(driver, lambda d: d.execute_script("return Samespot.timings.intake !== undefined"))
        hidden = [link.get_attribute("textContent") for link in driver.find_elements(By.CSS_SELECTOR, "#nav a") if not link.is_displayed()]
        assert "Hotspots" in hidden and "Wards" in hidden, f"a {role} page should not offer staff views: hidden {hidden}"
        box = driver.find_element(By.ID, "intake-address")
        box.send_keys(SEEDED_ADDRESS_TYPED)
        box.send_keys(Keys.ENTER)
        wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, f'#matches-list li[data-id="{context["seeded"]["id"]}"]')))
        assert not driver.find_elements(By.CSS_SELECTOR, "#matches-list button.join"), "the public may not join callers to cases"
        assert not driver.find_element(By.ID, "intake-caller").is_displayed(), "the public page should not ask for caller details"
        no_personal_data(driver, f"intake page ({role})")
        for path in ("/hotspots", "/wards"):
            driver.get(BASE + path)
            wait(driver, lambda d: d.find_element(By.ID, "status").text)
            assert "may not use" in driver.find_element(By.ID, "status").text
            no_personal_data(driver, f"{path} ({role})")
    shoot(driver, "public")
    # "Change key" forgets the key: the sign-in form again, and nothing kept in the tab.
    driver.find_element(By.ID, "sign-out").click()
    wait(driver, EC.visibility_of_element_located((By.ID, "signin-key")))
    assert driver.execute_script("return sessionStorage.getItem('samespot.key')") is None


def test_phone_width(context):
    driver = browser(390, 844)
    try:
        sign_in(driver, "intake")
        wait(driver, lambda d: d.execute_script("return Samespot.timings.intake !== undefined"))
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the intake page is {overflow}px wider than a phone"
        for label in driver.find_elements(By.CSS_SELECTOR, "#view-intake input:not([type=hidden]), #view-intake select, #view-intake textarea"):
            ident = label.get_attribute("id")
            assert driver.find_elements(By.CSS_SELECTOR, f'label[for="{ident}"]'), f"control #{ident} has no label"
        shoot(driver, "intake-phone")
        errors = console_errors(driver)
        assert not errors, f"browser console errors: {errors}"
    finally:
        driver.quit()


def measure(context):
    """Figures, not assertions: time to first render of each view when opened by its URL (the
    key already in this tab), and the bytes of the page's own files."""
    driver = context["driver"]
    sign_in(driver, "admin")
    for view in ("intake", "hotspots", "wards"):
        driver.get(BASE + "/" + view)
        wait(driver, lambda d: d.execute_script(f"return Samespot.timings.{view} !== undefined"), 60)
        context["figures"][f"first render, {view} (ms from navigation)"] = driver.execute_script(f"return Samespot.timings.{view}")
    own = 0
    for path in ("/", "/web/app.js", "/web/map.js", "/web/intake.js", "/web/hotspots.js", "/web/wards.js", "/web/samespot.css"):
        with urllib.request.urlopen(BASE + path, timeout=30) as response:
            own += len(response.read())
    context["figures"]["bytes of Samespot's own HTML/JS/CSS"] = own


def main():
    context = {"figures": {}}
    passed = failed = 0
    try:
        context["seeded"] = seed()
    except Exception:
        traceback.print_exc()
        print("browser: 0 passed, 1 failed")
        return 1
    office = os.environ.get("SAMESPOT_KEY_WARD_OFFICE")
    context["office_key"] = office
    tests = [test_intake_already_reported_then_join_and_submit, test_hotspots_draw_every_ward_and_list_a_cluster,
             test_ward_table_matches_the_api_and_compares_two_maps, test_customer_service_report_matches_the_api,
             test_ward_office_sees_its_own_requesters,
             test_public_pages_show_no_personal_data, test_phone_width, measure]
    for test in tests:
        driver = browser()
        context["driver"] = driver
        started = time.monotonic()
        try:
            test(context)
            errors = console_errors(driver)
            assert not errors, f"browser console errors: {errors}"
            passed += 1
            print(f"ok      {test.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
        except (AssertionError, TimeoutException, Exception) as error:
            failed += 1
            print(f"FAILED  {test.__name__}: {type(error).__name__}: {error}", flush=True)
            traceback.print_exc()
            try:
                shoot(driver, "failed-" + test.__name__)
                for line in driver.get_log("browser"):
                    print("   console:", line["level"], line["message"])
            except Exception:
                pass
        finally:
            driver.quit()
    print("figures (measured in this run, not asserted):")
    for name, value in context["figures"].items():
        print(f"  {name}: {value}")
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

// Reads an iCalendar document on stdin and prints what Mozilla's ical.js makes of it, as JSON.
// Times are converted to UTC with the VTIMEZONE components *in the document*, not the system's
// zone database, so a wrong VTIMEZONE shows up as a wrong instant.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const calendar = new ICAL.Component(ICAL.parse(text));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const utc = (time) => (time ? time.convertToZone(ICAL.Timezone.utcTimezone).toString() : null);
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const alarm = component.getFirstSubcomponent("valarm");
  const trigger = alarm ? alarm.getFirstPropertyValue("trigger") : null;
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    summary: event.summary,
    location: event.location,
    description: event.description,
    start_utc: utc(event.startDate),
    end_utc: utc(event.endDate),
    start_zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    geo: component.getFirstPropertyValue("geo"),
    url: component.getFirstPropertyValue("url"),
    categories: component.getAllProperties("categories").flatMap((p) => p.getValues()),
    alarm_utc: trigger && trigger.convertToZone ? utc(trigger) : null,
    has_organizer: component.hasProperty("organizer"),
    has_attendee: component.hasProperty("attendee"),
  };
});
const props = Object.fromEntries(
  ["prodid", "version", "method", "x-wr-calname", "x-wr-timezone", "refresh-interval", "x-published-ttl", "name"].map((name) => [
    name,
    calendar.getFirstProperty(name) ? String(calendar.getFirstPropertyValue(name)) : null,
  ]),
);
const refresh = calendar.getFirstProperty("refresh-interval");
props["refresh-interval-value-type"] = refresh ? refresh.type : null;
process.stdout.write(JSON.stringify({ properties: props, timezones: calendar.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")), events }));

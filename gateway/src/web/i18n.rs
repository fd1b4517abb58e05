//! The pages' words in the user's language (`[[user]] language`): English
//! is the key, German the translation; a word without one stays English.
//! What the API answers stays English (programs read it).

use kernel::report::Language;

/// `en` in `lang`.
pub fn tr(lang: Language, en: &'static str) -> &'static str {
    if lang != Language::De {
        return en;
    }
    match en {
        "Journal" => "Journal",
        "Send" => "Senden",
        "Lines" => "Leitungen",
        "Dead letters" => "Unzustellbare",
        "API tokens" => "API-Schlüssel",
        "Audit log" => "Protokoll",
        "Log out" => "Abmelden",
        "Log in" => "Anmelden",
        "User" => "Benutzer",
        "Password" => "Passwort",
        "Direction" => "Richtung",
        "Service" => "Dienst",
        "Status" => "Status",
        "Number" => "Nummer",
        "From" => "Von",
        "To" => "An",
        "Text" => "Text",
        "subject, ident" => "Betreff, Kennung",
        "Filter" => "Filtern",
        "Clear" => "Zurücksetzen",
        "in and out" => "ein und aus",
        "in" => "ein",
        "out" => "aus",
        "all" => "alle",
        "any status" => "jeder Status",
        "No messages." => "Keine Nachrichten.",
        "Time" => "Zeit",
        "Subject" => "Betreff",
        "Pages" => "Seiten",
        "Older messages →" => "Ältere Nachrichten →",
        "Remote ident" => "Gegenstelle",
        "Created" => "Erstellt",
        "Completed" => "Abgeschlossen",
        "Rate" => "Rate",
        "Line" => "Leitung",
        "Attempts" => "Versuche",
        "Dialled" => "Gewählt",
        "Outcome" => "Ergebnis",
        "Code" => "Code",
        "in progress" => "läuft",
        "Users" => "Benutzer",
        "Webhooks given up" => "Aufgegebene Webhooks",
        "Role" => "Rolle",
        "Language" => "Sprache",
        "Zone" => "Zeitzone",
        "New password" => "Neues Passwort",
        "set" => "gesetzt",
        "none" => "keins",
        "Expires" => "Läuft ab",
        "Last used" => "Zuletzt benutzt",
        "Revoke" => "Widerrufen",
        "revoked" => "widerrufen",
        "never" => "nie",
        "No tokens." => "Keine Schlüssel.",
        "Give it to the user now: it is shown only once." => {
            "Jetzt dem Benutzer geben: es wird nur einmal gezeigt."
        }
        "Send a fax" => "Fax senden",
        "Numbers" => "Nummern",
        "Cover text" => "Deckblatt-Text",
        "Files (PDF, TIFF, images, text, Office)" => "Dateien (PDF, TIFF, Bilder, Text, Office)",
        "Preview" => "Vorschau",
        "New token" => "Neuer Schlüssel",
        "Name" => "Name",
        "Scopes" => "Rechte",
        "Valid for days" => "Gültig (Tage)",
        "Create" => "Erstellen",
        "Group" => "Gruppe",
        "State" => "Zustand",
        "Message" => "Nachricht",
        "Remote" => "Gegenstelle",
        "Since" => "Seit",
        "Medium" => "Medium",
        "T.30 phase" => "T.30-Phase",
        "ECM" => "ECM",
        "Page" => "Seite",
        "Hang up" => "Auflegen",
        "None: every notice was delivered." => "Keine: jede Benachrichtigung wurde zugestellt.",
        "Written" => "Geschrieben",
        "Why" => "Grund",
        "Retry" => "Erneut versuchen",
        "Last failure" => "Letzter Fehler",
        "File" => "Datei",
        "Download the PDF" => "PDF herunterladen",
        "Recording" => "Aufnahme",
        "Cancel" => "Abbrechen",
        "Delete" => "Löschen",
        "Send again" => "Erneut senden",
        "same number" => "gleiche Nummer",
        "Wrong user or password." => "Benutzer oder Passwort falsch.",
        "No such message." => "Keine solche Nachricht.",
        "Back to the journal" => "Zurück zum Journal",
        _ => en,
    }
}

/// The `lang` attribute of a page.
pub fn code(lang: Language) -> &'static str {
    match lang {
        Language::De => "de",
        _ => "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_where_there_is_a_word_english_otherwise() {
        assert_eq!(tr(Language::De, "Log out"), "Abmelden");
        assert_eq!(tr(Language::En, "Log out"), "Log out");
        assert_eq!(tr(Language::De, "no such key"), "no such key");
    }
}

//! The commit payload of a tick, as the service's Redis script reads it (`cmsgpack.unpack`). Each
//! part is a `MessagePack` array of three arrays:
//!
//! 1. matches: `[match bytes, [ticket ids], [player ids]]` each;
//! 2. expired tickets: `[ticket id, [player ids]]` each;
//! 3. fresh tickets still waiting (to be marked SEARCHING): ticket ids.
//!
//! A part closes once it holds about `chunk_tickets` tickets, so one script call never blocks Redis
//! for long: the service sends every part in one pipeline, and other clients are served between them.

/// Parts being written.
pub struct Payload {
    chunk_tickets: usize,
    parts: Vec<Vec<u8>>,
    current: Part,
}

#[derive(Default)]
struct Part {
    sections: [Vec<u8>; 3],
    counts: [u32; 3],
    tickets: usize,
}

fn write_strings(out: &mut Vec<u8>, values: &[String]) {
    // Writing to a Vec cannot fail.
    let _ = rmp::encode::write_array_len(out, u32::try_from(values.len()).unwrap_or(u32::MAX));
    for v in values {
        let _ = rmp::encode::write_str(out, v);
    }
}

impl Payload {
    #[must_use]
    pub fn new(chunk_tickets: usize) -> Self {
        Payload {
            chunk_tickets: chunk_tickets.max(1),
            parts: Vec::new(),
            current: Part::default(),
        }
    }

    fn added(&mut self, section: usize, tickets: usize) {
        self.current.counts[section] += 1;
        self.current.tickets += tickets;
        if self.current.tickets >= self.chunk_tickets {
            self.close();
        }
    }

    fn close(&mut self) {
        let part = std::mem::take(&mut self.current);
        if part.counts.iter().all(|&n| n == 0) {
            return;
        }
        let mut out = Vec::with_capacity(part.sections.iter().map(Vec::len).sum::<usize>() + 16);
        let _ = rmp::encode::write_array_len(&mut out, 3);
        for (section, count) in part.sections.iter().zip(part.counts) {
            let _ = rmp::encode::write_array_len(&mut out, count);
            out.extend_from_slice(section);
        }
        self.parts.push(out);
    }

    pub fn add_match(&mut self, message: &[u8], ticket_ids: &[String], player_ids: &[String]) {
        let out = &mut self.current.sections[0];
        let _ = rmp::encode::write_array_len(out, 3);
        // As a str: Redis's cmsgpack reads str of any bytes into a Lua string.
        let _ = rmp::encode::write_str_len(out, u32::try_from(message.len()).unwrap_or(u32::MAX));
        out.extend_from_slice(message);
        write_strings(out, ticket_ids);
        write_strings(out, player_ids);
        self.added(0, ticket_ids.len());
    }

    pub fn add_expired(&mut self, ticket_id: &str, player_ids: &[String]) {
        let out = &mut self.current.sections[1];
        let _ = rmp::encode::write_array_len(out, 2);
        let _ = rmp::encode::write_str(out, ticket_id);
        write_strings(out, player_ids);
        self.added(1, 1);
    }

    pub fn add_searching(&mut self, ticket_id: &str) {
        let _ = rmp::encode::write_str(&mut self.current.sections[2], ticket_id);
        self.added(2, 1);
    }

    /// The parts, in order.
    #[must_use]
    pub fn finish(mut self) -> Vec<Vec<u8>> {
        self.close();
        self.parts
    }
}

#[cfg(test)]
mod tests {
    use super::Payload;

    #[test]
    fn parts_close_at_the_ticket_budget() {
        let mut p = Payload::new(4);
        p.add_match(
            b"m1",
            &["a".into(), "b".into()],
            &["pa".into(), "pb".into()],
        );
        p.add_match(
            b"m2",
            &["c".into(), "d".into()],
            &["pc".into(), "pd".into()],
        );
        p.add_expired("e", &["pe".into()]);
        p.add_searching("f");
        let parts = p.finish();
        assert_eq!(parts.len(), 2);
        // fixarray(3), fixarray(2) of matches, …
        assert_eq!(&parts[0][..2], &[0x93, 0x92]);
        // the second part: no matches, one expiry, one fresh ticket
        assert_eq!(&parts[1][..3], &[0x93, 0x90, 0x91]);
        assert_eq!(parts[1].last(), Some(&b'f'));
    }

    #[test]
    fn nothing_to_commit_is_no_part() {
        assert!(Payload::new(10).finish().is_empty());
    }
}

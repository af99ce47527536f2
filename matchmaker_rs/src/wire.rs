//! Playmesh's matchmaking messages on the wire (`playmesh.matchmaking.v1`,
//! `proto/playmesh/matchmaking/v1/matchmaking.proto`): the fields of `Ticket` the pool needs, and the
//! `Match` a tick commits. Mirrored by hand with prost, with the .proto's field numbers (fields not
//! listed here are skipped when decoding): the service hands the pool its stored tickets and takes
//! its matches as bytes, so a tick builds no Python object per ticket or match.
//! `tests/test_matchmaker_rs.py` checks both directions against the generated Python classes.

use prost::Message;

use crate::pool::TicketSpec;

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    #[must_use]
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub fn from_seconds(t: f64) -> Self {
        let seconds = t.floor();
        Timestamp {
            seconds: seconds as i64,
            nanos: ((t - seconds) * 1e9).round().min(999_999_999.0) as i32,
        }
    }

    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn as_seconds(self) -> f64 {
        self.seconds as f64 + f64::from(self.nanos) / 1e9
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct RegionLatency {
    #[prost(string, tag = "1")]
    pub region: String,
    #[prost(int32, tag = "2")]
    pub latency_ms: i32,
}

/// The fields of `Ticket` the pool reads.
#[derive(Clone, PartialEq, Message)]
pub struct Ticket {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "3")]
    pub mode: String,
    #[prost(string, repeated, tag = "4")]
    pub player_ids: Vec<String>,
    #[prost(message, repeated, tag = "6")]
    pub latencies: Vec<RegionLatency>,
    #[prost(message, optional, tag = "11")]
    pub create_time: Option<Timestamp>,
    #[prost(double, repeated, tag = "13")]
    pub player_ratings: Vec<f64>,
}

impl Ticket {
    /// The ticket as the pool takes it, for the pool's `game`.
    ///
    /// # Errors
    /// A message when the players and their ratings differ in number or a latency is negative.
    pub fn into_spec(self, game: &str) -> Result<TicketSpec, String> {
        if self.player_ids.len() != self.player_ratings.len() {
            return Err("player_ids and player_ratings differ in length".into());
        }
        let mut latencies = Vec::with_capacity(self.latencies.len());
        for l in self.latencies {
            let ms =
                u32::try_from(l.latency_ms).map_err(|_| "a latency is negative".to_string())?;
            latencies.push((l.region, ms));
        }
        Ok(TicketSpec {
            id: self.id,
            game: game.to_string(),
            mode: self.mode,
            players: self
                .player_ids
                .into_iter()
                .zip(self.player_ratings)
                .collect(),
            latencies,
            enqueue_time: self.create_time.unwrap_or_default().as_seconds(),
        })
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct MatchPlayer {
    #[prost(string, tag = "1")]
    pub player_id: String,
    #[prost(string, tag = "2")]
    pub ticket_id: String,
    #[prost(double, tag = "3")]
    pub rating: f64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Team {
    #[prost(int32, tag = "1")]
    pub index: i32,
    #[prost(message, repeated, tag = "2")]
    pub players: Vec<MatchPlayer>,
    #[prost(double, tag = "3")]
    pub rating_sum: f64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Match {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub game_id: String,
    #[prost(string, tag = "3")]
    pub mode: String,
    #[prost(string, tag = "4")]
    pub region: String,
    #[prost(message, repeated, tag = "5")]
    pub teams: Vec<Team>,
    #[prost(double, tag = "6")]
    pub quality: f64,
    #[prost(message, optional, tag = "7")]
    pub create_time: Option<Timestamp>,
    #[prost(string, tag = "9")]
    pub backfill_id: String,
}

#[cfg(test)]
mod tests {
    use super::{RegionLatency, Ticket, Timestamp};
    use prost::Message;

    #[test]
    fn a_ticket_round_trips_into_a_spec() {
        let ticket = Ticket {
            id: "t1".into(),
            mode: "duo".into(),
            player_ids: vec!["a".into(), "b".into()],
            latencies: vec![RegionLatency {
                region: "eu".into(),
                latency_ms: 30,
            }],
            create_time: Some(Timestamp {
                seconds: 10,
                nanos: 500_000_000,
            }),
            player_ratings: vec![1.0, 2.0],
        };
        let decoded = Ticket::decode(ticket.encode_to_vec().as_slice()).unwrap();
        let spec = decoded.into_spec("g").unwrap();
        assert_eq!(spec.players, vec![("a".into(), 1.0), ("b".into(), 2.0)]);
        assert_eq!(spec.latencies, vec![("eu".into(), 30)]);
        assert!((spec.enqueue_time - 10.5).abs() < 1e-9);
    }

    #[test]
    fn timestamps_split_seconds_and_nanos() {
        let t = Timestamp::from_seconds(12.25);
        assert_eq!((t.seconds, t.nanos), (12, 250_000_000));
    }
}

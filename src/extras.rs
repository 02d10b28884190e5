//! Hand-written conveniences on generated types, kept apart from the generated code.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::types::{Activity, ActivityReport, ClassicUser, DailyActivity, GroupActivity, UserActivity};

impl ClassicUser {
    /// The account's login name: `username`, or `id` where the service left `username` out
    /// (as it does when answering the creation of a subaccount).
    pub fn login(&self) -> Option<&str> {
        self.username.as_deref().or(self.id.as_deref())
    }
}

impl UserActivity {
    /// The daily statistics, when the service answered in the Insights page's shape (as it
    /// does for a `since`/`until` period).
    pub fn daily(&self) -> Option<&DailyActivity> {
        match self {
            UserActivity::DailyActivity(daily) => Some(daily),
            _ => None,
        }
    }

    /// The current job counts, when the service answered in the older docs' shape.
    pub fn counts(&self) -> Option<&Activity> {
        match self {
            UserActivity::Activity(counts) => Some(counts),
            _ => None,
        }
    }
}

impl GroupActivity {
    /// Daily statistics per id (of a team, a user or the organization), when the service
    /// answered in the Insights page's shape.
    pub fn daily(&self) -> Option<&BTreeMap<String, DailyActivity>> {
        match self {
            GroupActivity::ByKey(by_key) => Some(&by_key.0),
            _ => None,
        }
    }

    /// The current job counts, when the service answered in the older docs' shape.
    pub fn counts(&self) -> Option<&ActivityReport> {
        match self {
            GroupActivity::Report(report) => Some(report),
            _ => None,
        }
    }
}

/// One day of [`DailyActivity`], the service's parallel lists read across.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DayActivity {
    /// The day.
    pub date: NaiveDate,
    /// Jobs run that day.
    pub jobs: u64,
    /// Minutes of test time that day.
    pub minutes: f64,
    /// Mean number of jobs running at once.
    pub mean_concurrency: f64,
    /// Most jobs running at once.
    pub peak_concurrency: f64,
}

impl DailyActivity {
    /// The days in order, one [`DayActivity`] each. `None` when the lists differ in length
    /// (the days could not be lined up without guessing), so no figure is silently dropped.
    pub fn days(&self) -> Option<Vec<DayActivity>> {
        let days = self.datestamp.len();
        let lengths = [self.jobs.len(), self.minutes.len(), self.ccy_exec_mean.len(), self.ccy_exec_peak.len()];
        if lengths.iter().any(|length| *length != days) {
            return None;
        }
        Some(
            (0..days)
                .map(|day| DayActivity {
                    date: self.datestamp[day],
                    jobs: self.jobs[day],
                    minutes: self.minutes[day],
                    mean_concurrency: self.ccy_exec_mean[day],
                    peak_concurrency: self.ccy_exec_peak[day],
                })
                .collect(),
        )
    }
}

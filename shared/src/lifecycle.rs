//! The order lifecycle table: which status moves are allowed, for whom.
//!
//! One table for everyone: the order worker enforces it, and the owner bot
//! draws only the buttons it would accept.

use serde::{Deserialize, Serialize};

use crate::domain::{OrderStatus, Role};

fn rank(status: OrderStatus) -> u8 {
    match status {
        OrderStatus::Pending => 0,
        OrderStatus::Accepted => 1,
        OrderStatus::Preparing => 2,
        OrderStatus::Ready => 3,
        OrderStatus::OutForDelivery => 4,
        OrderStatus::Completed => 5,
        OrderStatus::Rejected | OrderStatus::Cancelled => 6,
    }
}

/// Why the lifecycle table refuses a move. Each reads as the end of "Order
/// #12 can't be marked ready: …", so both bots can finish that sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransitionError {
    #[error("it is already {} and can't change any more", .from.human())]
    Final { from: OrderStatus },
    #[error("it is already {}", .from.human())]
    Unchanged { from: OrderStatus },
    #[error("the shop has already {}; please message the shop if you need to cancel", shop_did(*.from))]
    ShopHasIt { from: OrderStatus },
    #[error("only the shop can change an order's status")]
    OnlyTheShop,
    #[error("an order can't go back to pending")]
    NoGoingBack,
    #[error("it was already accepted and is {}", .from.human())]
    AlreadyDecided { from: OrderStatus },
    #[error("it is a pickup order, not a delivery")]
    NotDelivery,
    #[error("accept it first")]
    AcceptFirst,
    #[error("it is already {}; orders only move forward", .from.human())]
    OnlyForward { from: OrderStatus },
}

/// What the shop did to an order a customer may no longer cancel.
fn shop_did(from: OrderStatus) -> String {
    if from == OrderStatus::Accepted {
        "accepted it".to_owned()
    } else {
        format!("marked it {}", from.human())
    }
}

/// The lifecycle table. `Ok(())` if `role` may move an order from `from` to
/// `to`; otherwise why not. Owners move orders forward (skipping steps is
/// allowed on a busy night); customers may only cancel a pending order.
pub fn check_transition(
    from: OrderStatus,
    to: OrderStatus,
    role: Role,
    delivery: bool,
) -> Result<(), TransitionError> {
    if from.is_final() {
        return Err(TransitionError::Final { from });
    }
    if from == to {
        return Err(TransitionError::Unchanged { from });
    }
    match role {
        Role::Customer => match (from, to) {
            (OrderStatus::Pending, OrderStatus::Cancelled) => Ok(()),
            (_, OrderStatus::Cancelled) => Err(TransitionError::ShopHasIt { from }),
            _ => Err(TransitionError::OnlyTheShop),
        },
        Role::Owner => match to {
            OrderStatus::Pending => Err(TransitionError::NoGoingBack),
            OrderStatus::Cancelled => Ok(()),
            OrderStatus::Accepted | OrderStatus::Rejected => {
                if from == OrderStatus::Pending {
                    Ok(())
                } else {
                    Err(TransitionError::AlreadyDecided { from })
                }
            }
            OrderStatus::OutForDelivery if !delivery => Err(TransitionError::NotDelivery),
            OrderStatus::Preparing
            | OrderStatus::Ready
            | OrderStatus::OutForDelivery
            | OrderStatus::Completed => {
                if from == OrderStatus::Pending {
                    Err(TransitionError::AcceptFirst)
                } else if rank(to) <= rank(from) {
                    Err(TransitionError::OnlyForward { from })
                } else {
                    Ok(())
                }
            }
        },
    }
}

/// The moves an owner may make from `from`, in lifecycle order (the owner
/// bot's buttons). Empty for a final status.
pub fn owner_moves(from: OrderStatus, delivery: bool) -> Vec<OrderStatus> {
    [
        OrderStatus::Accepted,
        OrderStatus::Rejected,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ]
    .into_iter()
    .filter(|to| check_transition(from, *to, Role::Owner, delivery).is_ok())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_moves_follow_the_table() {
        use OrderStatus::*;
        assert_eq!(
            owner_moves(Pending, false),
            vec![Accepted, Rejected, Cancelled]
        );
        assert_eq!(
            owner_moves(Accepted, true),
            vec![Preparing, Ready, OutForDelivery, Completed, Cancelled]
        );
        assert_eq!(
            owner_moves(Accepted, false),
            vec![Preparing, Ready, Completed, Cancelled]
        );
        assert_eq!(owner_moves(Ready, false), vec![Completed, Cancelled]);
        for done in [Completed, Rejected, Cancelled] {
            assert!(owner_moves(done, true).is_empty());
        }
    }

    #[test]
    fn refusals_finish_a_sentence() {
        use OrderStatus::*;
        let cases = [
            (
                Ready,
                Cancelled,
                Role::Customer,
                "the shop has already marked it ready; please message the shop if you need to cancel",
            ),
            (
                Accepted,
                Cancelled,
                Role::Customer,
                "the shop has already accepted it; please message the shop if you need to cancel",
            ),
            (
                Completed,
                Cancelled,
                Role::Owner,
                "it is already completed and can't change any more",
            ),
            (
                Accepted,
                OutForDelivery,
                Role::Owner,
                "it is a pickup order, not a delivery",
            ),
        ];
        for (from, to, role, said) in cases {
            let why = check_transition(from, to, role, false).expect_err("the table refuses it");
            assert_eq!(why.to_string(), said, "{from:?} → {to:?} by {role:?}");
        }
    }
}

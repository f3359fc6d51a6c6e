"""The Python service's CPM tracker, rebuilt from DESIGN §3, as the reference the tests use.

Reads one JSON case per line on stdin and writes one JSON answer per line on stdout:

    {"target_min_cpm": "20", "target_max_cpm": "30", "total_influencers": 5,
     "agreements": [{"cpm": "25.50", "engagement_rate": "4010cccccccccccd"}],
     "rate": null}

Engagement rates are the 16 hex digits of an IEEE 754 double (big-endian), or null, so
that every float (-0.0 included) arrives exactly. The answer is
{"running_average_cpm", "target_cpm", "max_allowed_cpm", "reason"} with decimals as
str(Decimal), or {"error": "<exception class name>"} when the tracker raised.

A line {"op": "+", "a": "1.5", "b": "2E-7"} (op one of + - * /) is answered with
{"result": str(Decimal(a) op Decimal(b))} or {"error": ...}: the single operations the
tracker is built from; a line {"repr": "<16 hex digits>"} with {"result": repr(float)}.

Only the standard library; decimal in its default context (28 digits, ROUND_HALF_EVEN).
"""

import json
import struct
import sys
from decimal import Decimal


class CampaignCPMTracker:
    def __init__(self, campaign_id, target_min_cpm, target_max_cpm, total_influencers):
        self.campaign_id = campaign_id
        self.target_min_cpm = Decimal(target_min_cpm)
        self.target_max_cpm = Decimal(target_max_cpm)
        self.total_influencers = total_influencers
        self.agreements = []

    def record_agreement(self, cpm, engagement_rate=None):
        self.agreements.append({"cpm": Decimal(cpm), "engagement_rate": engagement_rate})

    @property
    def running_average_cpm(self):
        if not self.agreements:
            return None
        return sum(a["cpm"] for a in self.agreements) / len(self.agreements)

    def get_flexibility(self, engagement_rate=None):
        target = self.target_max_cpm
        reasons = []

        budget_premium = Decimal(0)
        average = self.running_average_cpm
        remaining = self.total_influencers - len(self.agreements)
        if average is not None and average < target and remaining > 0:
            savings = target - average
            budget_premium = (savings * len(self.agreements)) / remaining
            if budget_premium > 0:
                reasons.append(f"budget savings: +${budget_premium:.2f}")

        engagement_premium = Decimal(0)
        if engagement_rate is None:
            reasons.append("no engagement data")
        elif engagement_rate > 5:
            engagement_premium = target * Decimal("0.15")
            reasons.append(f"high engagement ({engagement_rate}% > 5%): +15%")
        elif engagement_rate > 3:
            engagement_premium = target * Decimal("0.08")
            reasons.append(f"moderate engagement ({engagement_rate}% > 3%): +8%")
        else:
            reasons.append(f"low engagement ({engagement_rate}%): no premium")

        max_cpm = target + budget_premium + engagement_premium
        cap = target * Decimal("1.20")
        result = min(max_cpm, cap)
        if result == cap and (budget_premium > 0 or engagement_premium > 0):
            reasons.append(f"capped at 120% of target max (${cap:.2f})")
        reasons.append(f"max allowed: ${result:.2f}")
        return {"target_cpm": target, "max_allowed_cpm": result, "reason": "; ".join(reasons)}


def rate_of(bits):
    return None if bits is None else struct.unpack(">d", bytes.fromhex(bits))[0]


def answer(case):
    tracker = CampaignCPMTracker(
        "camp", case["target_min_cpm"], case["target_max_cpm"], case["total_influencers"]
    )
    for agreement in case["agreements"]:
        tracker.record_agreement(agreement["cpm"], rate_of(agreement["engagement_rate"]))
    try:
        average = tracker.running_average_cpm
        flexibility = tracker.get_flexibility(rate_of(case["rate"]))
    except ArithmeticError as error:
        return {"error": type(error).__name__}
    return {
        "running_average_cpm": None if average is None else str(average),
        "target_cpm": str(flexibility["target_cpm"]),
        "max_allowed_cpm": str(flexibility["max_allowed_cpm"]),
        "reason": flexibility["reason"],
    }


OPERATIONS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def operation(case):
    try:
        return {"result": str(OPERATIONS[case["op"]](Decimal(case["a"]), Decimal(case["b"])))}
    except ArithmeticError as error:
        return {"error": type(error).__name__}


for line in sys.stdin:
    case = json.loads(line)
    if "repr" in case:
        print(json.dumps({"result": repr(rate_of(case["repr"]))}), flush=True)
    else:
        print(json.dumps(operation(case) if "op" in case else answer(case)), flush=True)

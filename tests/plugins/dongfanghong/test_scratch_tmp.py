import time
from tests.helpers import login

def test_x(client):
    login(client, "dfh_staff")
    for p in ["", "", "qiangji", "venues", "guarantees", "huoshui"]:
        t0 = time.perf_counter()
        r = client.get("/t/dongfanghong/dongfanghong/" + p)
        print("TIME", p, r.status_code, round(time.perf_counter() - t0, 3))

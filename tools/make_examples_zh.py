"""Generate Tuneboard's built-in Chinese example: customer-service intents (客服意图).

Usage::

    python tools/make_examples_zh.py              # rewrites core/data/example_data/support_intents_zh.csv
    python tools/make_examples_zh.py --out DIR    # writes the same file into DIR

Every template, product, company and name below was written for Tuneboard; nothing is copied from an
existing dataset.  The output is deterministic (one seeded ``random.Random``, no iteration over sets), so
re-running the script reproduces the committed CSV byte for byte; ``tests/unit/test_examples.py`` checks it.

Variety comes from four layers: many hand-written templates per intent, inline alternatives written
``[要|想|希望]`` (an empty alternative ``[了|]`` means "maybe"), slot values such as ``{product}`` drawn from
small hand-written lists, and surface noise the way people really type in Chinese: greetings (在吗？亲，),
sign-offs, half-width punctuation typed with the input method in English mode, spaces instead of commas in
chat, the odd full-width digit.  Some templates deliberately borrow a neighbouring intent's words (an angry
refund request, a cancellation that asks about the money) so a classifier can learn the task without
scoring an unrealistic 100 %.  Short templates make some messages near-duplicates of each other (a particle
or a word apart); exact duplicates, also after full-/half-width folding (NFKC), are never written.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "core" / "data" / "example_data"
FILE = "support_intents_zh.csv"
SEED = 7_2024_86

Slot = Callable[[random.Random, dict[str, str]], str]
_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def pick(values: list[str]) -> Slot:
    """A slot that picks uniformly from ``values``."""
    return lambda rng, _ctx: rng.choice(values)


def _other(values: list[str], slot: str) -> Slot:
    """A slot that picks from ``values`` but never repeats ``ctx[slot]``."""
    return lambda rng, ctx: rng.choice([v for v in values if v != ctx.get(slot)])


PRODUCTS = ["空气炸锅", "蓝牙耳机", "电热水壶", "羽绒服", "运动鞋", "保温杯", "扫地机器人", "机械键盘", "护肤套装",
            "儿童书包", "电饭煲", "智能手表", "床上四件套", "护眼台灯", "行李箱", "连衣裙", "吹风机", "充电宝"]
CLOTHES = ["羽绒服", "连衣裙", "牛仔裤", "运动鞋", "卫衣", "衬衫", "冲锋衣"]
APPLIANCES = ["空气炸锅", "电饭煲", "电热水壶", "吹风机", "扫地机器人", "破壁机"]
GADGETS = ["蓝牙耳机", "智能手表", "充电宝", "机械键盘", "平板电脑"]
KIDS = ["儿童书包", "积木套装", "儿童手表", "绘本套装"]
FEATURES = ["快充", "无线充电", "蓝牙5.3", "防水", "主动降噪", "双频WiFi"]
COLOURS = ["黑色", "白色", "灰色", "藏青色", "米色", "浅蓝色"]
SIZES = ["M码", "L码", "XL", "165", "170/88A", "38码", "42码"]
COURIERS = ["顺丰", "中通", "圆通", "韵达", "京东物流", "申通", "邮政", "极兔"]
CITIES = ["上海", "杭州", "广州", "成都", "武汉", "北京", "深圳", "西安", "南京", "重庆", "郑州", "长沙"]
STREETS = ["人民路", "中山路", "解放大道", "建设路", "文一西路", "滨江大道", "学府路", "长江路"]
PAYMENTS = ["微信", "支付宝", "信用卡", "花呗", "银行卡", "云闪付"]
DATES = ["昨天", "前天", "上周五", "5月18号", "双十一那天", "月初", "上个月底", "周末"]
DAYS = ["三天", "5天", "一个星期", "一周", "十天", "两个礼拜", "12天", "半个月", "4天"]
NAMES = ["王女士", "李先生", "陈小姐", "刘阿姨", "赵同学", "周先生", "孙女士"]
# Made up for Tuneboard; a match with a real company is a coincidence.
COMPANIES = ["上海青禾贸易有限公司", "深圳远帆电子科技有限公司", "杭州木棉文化传媒有限公司", "成都拾光餐饮管理有限公司",
             "武汉北辰教育咨询有限公司", "南京云杉建筑设计有限公司"]


def _order(rng: random.Random, _ctx: dict[str, str]) -> str:
    style = rng.randrange(3)
    if style == 0:
        return str(rng.randint(10**15, 10**16 - 1))
    if style == 1:
        return f"DD{rng.randint(10**9, 10**10 - 1)}"
    return f"#{rng.randint(100000, 999999)}"


def _amount(rng: random.Random, ctx: dict[str, str]) -> str:
    value = rng.randint(19, 1299)
    ctx["_amount"] = str(value)
    return rng.choice([f"{value}元", f"¥{value}.00", f"{value}块", f"￥{value}"])


def _amount2(rng: random.Random, ctx: dict[str, str]) -> str:
    return f"{int(ctx.get('_amount', '100')) + rng.randint(10, 200)}元"  # larger than {amount}


SLOTS: dict[str, Slot] = {
    "order": _order,
    "amount": _amount,
    "amount2": _amount2,
    "product": pick(PRODUCTS),
    "gadget2": _other(GADGETS, "gadget"),
    "clothes": pick(CLOTHES),
    "appliance": pick(APPLIANCES),
    "gadget": pick(GADGETS),
    "kids": pick(KIDS),
    "feature": pick(FEATURES),
    "colour": pick(COLOURS),
    "size": pick(SIZES),
    "courier": pick(COURIERS),
    "city": pick(CITIES),
    "city2": _other(CITIES, "city"),
    "street": pick(STREETS),
    "pay": pick(PAYMENTS),
    "date": pick(DATES),
    "days": pick(DAYS),
    "name": pick(NAMES),
    "company": pick(COMPANIES),
    "n": lambda rng, _c: str(rng.randint(2, 5)),
    "small": lambda rng, _c: str(rng.randint(5, 60)),
    "house": lambda rng, _c: str(rng.randint(3, 388)),
    "house2": lambda rng, _c: str(rng.randint(3, 388)),
    "phone": lambda rng, _c: f"1{rng.choice('3589')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}",
    "tracking": lambda rng, _c: f"{rng.choice(['SF', 'YT', 'JD', 'ZT'])}{rng.randint(10**11, 10**12 - 1)}",
    "email": lambda rng, _c: f"{rng.choice(['wangfang', 'lijie', 'chenxi', 'zhaolei', 'sunmei'])}{rng.randint(1, 99)}@example.com",
}

TEMPLATES: dict[str, list[str]] = {
    "退款": [
        "我[上周|前几天|{date}]退回的{product}，[你们|仓库]已经签收了，退款[什么时候|啥时候|多久]能到账？",
        "申请退款[已经|都]{days}了，[钱|款]还没退回来，订单号{order}。",
        "{product}[收到就是坏的|有质量问题|用了两天就坏了]，[我要|我想|申请]退款，不要换货。",
        "退款[进度|状态]怎么查？订单{order}",
        "[请问|想问下]退款是原路返回吗？我[是用|用的是]{pay}付的。",
        "[你们|客服]说{amount}已经退了，可是我[银行卡|支付宝|微信]里[没有|根本没收到]。",
        "[只|才]退了{amount}，我[明明|]付了{amount2}，剩下的[呢|去哪了]？",
        "[七天无理由|7天无理由]退货的话，运费[能退吗|也退吗|谁出]？",
        "[{clothes}尺码不合适|{product}颜色和图片差太多|{product}和描述不一样]，[能|可以]退货退款吗？",
        "仅退款的申请被驳回了，[为什么|凭什么]？东西[根本没用过|都没拆封]。",
        "少发了一件{product}，[麻烦|请]把这件的钱退给我。",
        "退货单号{tracking}已经寄出了，请尽快[处理|安排]退款。",
        "[之前|上次]的客服答应给我退款，到现在还没动静。",
        "退款能退到[别的卡|另一张卡]上吗？原来那张卡已经注销了。",
        "{date}买的{product}[降价了|便宜了{small}块]，能退差价吗？",
        "[{gadget}|{appliance}][坏了|出问题了]，[不想|不要]维修了，直接退款吧。",
        "退款申请[提交|点]了好几次都[失败|提示异常]，怎么办？",
        "[取消订单|订单取消]后钱[会自动退回吗|多久退回]？",
        "这[种|]质量还卖{amount}，赶紧给我退款！",
        "退货退款显示商家已同意，但是[一直|到现在]没到账。",
        "寄回去的{product}你们收到了吗？什么时候[退钱|退款]？",
        "退款金额不对，少退了{small}块。",
        "[能不能|可以]先退款，我再把东西寄回去？",
        "[请问|]退款一般要几个工作日？",
        "[东西|{product}]我不要了，[钱|货款]退给我就行。",
        # overlap: the words of the neighbouring intents, but the ask is the money
        "订单{order}取消了，[钱|款]怎么还没退？",
        "[投诉|差评]归差评，先把{amount}退给我。",
        "快递显示退货已签收，[退款|钱]呢？",
        "[地址|收货地址]写错了没收到货，[直接|]退款吧。",
        "发票我已经寄回去了，[退款|钱]什么时候[到|退]？",
    ],
    "物流查询": [
        "我的[快递|包裹]到哪了？订单号{order}",
        "[都|已经]{days}了还没发货，[什么时候|啥时候]发？",
        "物流[信息|]{days}没更新了，[是不是|会不会]丢件了？",
        "{courier}显示已签收，但是我[根本没收到|没拿到]。",
        "[能不能|可以]催一下{courier}？包裹在{city}[转运中心|中转站]停了好几天。",
        "[下单的时候|页面上]说{n}天内发货，现在[都|早就]过了。",
        "{product}发什么快递？[能发|可以发]顺丰吗？",
        "快递单号[查不到|显示不存在]，[是不是填错了|帮忙看看]。",
        "包裹[显示|提示]派送中一整天了，[还没送到|人呢]？",
        "买的{product}今天能到吗？[着急用|明天就要出门了]。",
        "[什么时候|何时]能[送到|到货]？订单{order}。",
        "快递员[没打电话|没联系我]就显示签收了，东西[放哪了|在哪]？",
        "[查一下|帮我查查]订单{order}的物流[吧|，谢谢]。",
        "[显示|物流显示]已发货，可是[一直|始终]没有物流[信息|轨迹]。",
        "预售的{product}[大概|]什么时候发货？",
        "[为什么|怎么]我的订单[一直|还]显示待发货？",
        "物流显示[拒收|被退回]，我没有拒收啊，怎么回事？",
        "[已经|]{days}了，从{city}发过来要这么久吗？",
        "[帮忙|麻烦]看一下我的包裹是不是被驿站代收了。",
        "[节假日|过年期间]还发货吗？我[昨天|今天]刚下的单。",
        "物流一直在{city}[打转|来回跑]，[怎么回事|什么情况]？",
        "等了{days}还没到，物流也太慢了吧，到底[还发不发|什么时候到]？",
        "[我|]订的{product}{courier}单号是{tracking}，[到哪了|帮查一下]。",
        # overlap
        "改了地址以后物流[还是|]显示原来的，[包裹|快递]到底寄到哪了？",
        "[退货|退回]的包裹[到哪了|你们收到没]？单号{tracking}",
        "取消不了就算了，[那|]什么时候发货？",
        "{product}[今天|现在]下单[明天|后天]能到吗？",
        "[App|APP]登不上，[没法|看不了]物流，帮我查下订单{order}到哪了。",
    ],
    "取消订单": [
        "[我想|帮我|麻烦]取消订单{order}。",
        "[拍错了|买错了|下错单了]，[能|可以]取消吗？还没发货吧？",
        "[刚才|刚刚]下的单不要了，[请|麻烦]取消[一下|]。",
        "{product}[不想要了|暂时不需要了]，订单怎么取消？",
        "[订单|这个单]显示已发货，还能取消吗？",
        "[重复|不小心]下了两次单，[取消|帮我取消]其中一个。",
        "[找不到|没有]取消订单的按钮，[怎么操作|在哪里]？",
        "[预售|定金]订单可以取消吗？定金[能退吗|退不退]？",
        "[在别家|别的店]买到更便宜的了，这单[取消吧|不要了]。",
        "地址填错了，[干脆|直接]把订单取消[吧|，我重新下]。",
        "取消申请提交了，[为什么|怎么]还在发货？",
        "[家里人|老公|老婆]已经买了，我这个订单[取消掉|撤销]。",
        "订单{order}[能不能|可以]取消，[等太久了|不想等了]。",
        "[请问|]下单多久之内[可以|能]取消？",
        "[帮我|麻烦]拦截一下，{product}不要了，[没发的话|还没发货的话]直接取消。",
        "[优惠券|满减]用错了，先取消订单再重新下可以吗？",
        "[不小心|手滑]多拍了{n}件，[能|可以]取消[吗|多的那几件吗]？",
        "订单一直待付款，[怎么|如何]取消？",
        "[我|]不要{product}了，[把订单|订单]取消掉。",
        # overlap
        "[要|得]等{days}才发货？那[不要了|取消吧]。",
        "[商品|{product}]页面写错了[参数|尺寸]，这单我要取消。",
        "发票抬头改不了的话，订单就取消吧。",
        "[App|APP]登不上，[帮我|麻烦]在后台把订单{order}取消。",
    ],
    "账户登录": [
        "[登录|登陆]一直[提示|显示]密码错误，[但我|我]确定没输错。",
        "[收不到|没收到]验证码，[没法|登不上]登录。",
        "[手机号|手机]换了，[原来的账号|账号]怎么登录？",
        "[忘记密码了|密码忘了]，[怎么|如何]找回？",
        "账号被[冻结|锁定|封]了，[提示|显示]异常登录，怎么解封？",
        "[微信|支付宝|QQ]登录的账号和手机号登录的[不是同一个|对不上]，订单都不见了。",
        "[App|APP]一[打开|登录]就闪退，[登不进去|进不去]。",
        "[我的|]账号[好像|可能]被盗了，有[陌生|别人的]订单，密码也被改了。",
        "[重置密码|改密码]的[邮件|短信]一直没收到。",
        "[换了新手机|换手机后]登录要人脸验证，[一直|总是]验证失败。",
        "[电脑上|网页版]能登录，[手机上|App上]登不了，怎么回事？",
        "验证码[输了好几次|输入后]提示[已过期|无效]。",
        "重新登录后购物车和[收藏|订单]都没了。",
        "账号绑定的手机号[停机了|不用了]，怎么换绑？",
        "[登录|登陆]的时候[一直|老是]让我[滑动验证|拖动滑块]，[过不去|验证不通过]。",
        "[提示|显示]“该账号不存在”，可我[上个月|昨天]还在用。",
        "[两步验证|二次验证]的手机丢了，登不上账号了。",
        "[用|拿]邮箱{email}[登录|登陆]不了，[提示|显示]账号未注册。",
        # overlap
        "[登录|登陆]不了，[看不到|查不了]订单[和物流|和发票]。",
        "[账号|帐号]被封了，[里面的|账户里]余额[怎么办|能退吗]？",
        "[投诉|反映]多少次了，账号还是登不上！",
        "[新手机号|换了号码]注册的账号[收不到|没收到]验证码，下不了单。",
    ],
    "发票": [
        "[请问|]怎么开发票？订单{order}。",
        "[我需要|麻烦开]增值税专用发票，抬头是{company}。",
        "发票抬头[写错了|开错了]，能重开吗？",
        "电子发票在哪里[下载|查看]？",
        "[能不能|可以]开{amount}的[发票|普票]，[公司|单位]报销用。",
        "收到的发票上税号[不对|有误]，[麻烦|请]重新开一张。",
        "开发票要不要[另外|额外]收费？",
        "[买了|下单了]{product}，[忘了|当时没]开发票，现在还能补开吗？",
        "发票[什么时候|多久能]开出来？[财务|公司]催着报销。",
        "[退货|退款]以后发票[怎么处理|要退回吗]？",
        "[能|可以]把几个订单[合并|合在一起]开一张发票吗？",
        "发票上的金额和我实付的[不一样|对不上]。",
        "[我要|需要]开个人抬头的发票，[发到|发我]邮箱{email}。",
        "纸质发票[寄了吗|什么时候寄]？[快递单号|单号]多少？",
        "[请把|麻烦把]发票[改成|换成]专票，[我们公司|公司]是一般纳税人。",
        "发票申请一直显示[审核中|处理中]，[怎么回事|要多久]？",
        "开票内容能写[办公用品|明细]吗？",
        "[帮我|麻烦]开张发票，抬头{company}，[金额|一共]{amount}。",
        # overlap
        "[订单|包裹]已经签收了，发票[怎么还没|还没]开？",
        "[退了一件|部分退款]以后，发票[金额|]怎么[改|重开]？",
        "[要|得][登录|登陆]网页版才能下载发票吗？App里找不到。",
        "[取消|退掉]的订单发票[也|]开出来了，[要作废吗|怎么作废]？",
    ],
    "投诉": [
        "[你们|]客服态度太差了，[问了三遍|说话很冲]，我要投诉！",
        "快递员把包裹[扔在|丢在]门口就走了，[东西|{product}]摔坏了，必须给个说法。",
        "收到的{product}[是假货|和正品不一样]，我要投诉[你们|商家]。",
        "[说好|承诺]的{n}小时处理，现在都{days}了也没人理。",
        "[同一个问题|一个问题]反映了{n}次都没[解决|人管]，[太失望了|这是什么服务]。",
        "[商家|你们]虚假宣传，[页面上|详情页]写的[包邮|赠品]根本没有。",
        "[再|要是再]不处理我就去12315投诉了。",
        "我要投诉{courier}的快递员，[态度恶劣|还骂人]。",
        "[打了|拨了]{n}次客服电话都[没人接|占线]，[这就是你们的服务？|什么意思？]",
        "[你们的|]{product}[质量|做工]太[差|烂]了，才用{days}就坏，[还好意思卖{amount}|简直是骗钱]。",
        "[机器人客服|智能客服]答非所问，[转人工|人工客服]又一直排队，[非常|太]气人。",
        "对这次[购物|服务]体验非常不满意，请给我一个合理的解释。",
        "[未经我同意|没经过我同意]就扣了{amount}会员费，这是乱扣费！",
        "客服[挂我电话|直接挂了]，[这|]是什么态度？",
        "售后推来推去，[没人|谁都不]负责，[太|真]恶心了😡",
        "送来的{product}[是二手的|被人用过]，[包装|盒子]都是拆开的，太过分了。",
        "[说|答应]给我补偿[优惠券|积分]，结果到现在也没给。",
        "包裹被[放到|扔到]驿站也不通知，[投诉|我要投诉]！",
        "[差评|必须差评]，{product}和描述严重不符，客服还[不理人|爱答不理]。",
        # overlap
        "退款拖了{days}[都|还]没到，我要投诉[你们|]！",
        "[物流|快递]慢成这样还不让取消订单，太[坑|离谱]了！",
        "[修改地址|改地址]说了三次都没改，[结果|最后]寄到旧地址了，[什么服务|太不负责了]。",
        "[开个发票|发票]拖了{days}，[催了|问了]{n}次[没人管|都说在处理]。",
        "[账号|帐号]莫名其妙被封，[客服|你们]还不给解释，[太|真]气人了。",
    ],
    "商品咨询": [
        "{product}[有现货吗|还有货吗]？[大概|]多久能发？",
        "[这款|这个]{product}[是正品吗|有没有授权]？",
        "{clothes}[偏大还是偏小|尺码标准吗]？我平时穿{size}。",
        "{appliance}[的功率|功率]是多少？[宿舍|家里]能用吗？",
        "[{gadget}|{appliance}][保修|质保]多久？[是全国联保吗|坏了在哪里修]？",
        "{product}颜色[和图片|跟图片][一样吗|有色差吗]？",
        "[请问|]{gadget}[支持|有没有]{feature}？",
        "{gadget}[和|跟]{gadget2}[有什么区别|哪个好|选哪个]？",
        "[买|现在买]{product}[送赠品吗|有没有赠品]？",
        "[什么时候|啥时候]补货？{product}一直显示缺货。",
        "{clothes}是什么面料，[会起球吗|会不会掉色]？",
        "[这款|]{appliance}[噪音大吗|声音大不大]？晚上[用|开着]会吵吗？",
        "[孩子|小孩]{n}岁，{kids}[适合吗|能用吗]？",
        "[{gadget}|{appliance}]里面有[说明书|中文说明书]吗？",
        "{clothes}有没有{colour}的？",
        "[双十一|618|下个月]{product}[会降价吗|有活动吗]？",
        "{product}[能刻字吗|可以定制吗|能不能刻字]？",
        "[页面上|详情里]写的{gadget}续航{n}0小时是真的吗？",
        "[{gadget}|{appliance}][怎么用|怎么安装]？有没有视频[教程|教学]？",
        # overlap
        "{gadget}[坏了|出故障]能[换新|换货]吗？[保修|质保]包括[哪些|什么]？",
        "[下单前|买之前]想问下，{product}[多久能到|发什么快递]？",
        "{clothes}[洗了会缩水吗|能机洗吗]？[怕|担心]退货麻烦。",
    ],
    "修改地址": [
        "[收货地址|地址]填错了，[能改吗|帮我改一下]？订单{order}。",
        "[麻烦|请]把地址改成{city}{street}{house}号。",
        "[还没发货的话|如果还没发]，[能不能改一下收货地址|收货地址可以改吗]？",
        "[我|]搬家了，订单{order}[要|想]寄到新地址。",
        "收件人的电话[写错了|填错了]，[改成|正确的是]{phone}。",
        "[已经发货了|发出去了]还能改地址吗？",
        "门牌号[少写了|写错了]，是{house}号不是{house2}号。",
        "[能不能|可以]改成[自提|送到驿站|送到公司]？",
        "[App里|订单页面]改不了地址，[一直|]提示[不可修改|修改失败]。",
        "下单时[用的|选的]是默认地址，[其实|]要寄到{city}。",
        "[临时|突然]出差，[包裹|快递]能转寄到{city}吗？",
        "[帮我|麻烦]把收货人[改成|换成]{name}。",
        "小区名写错了一个字，快递员[会不会|能不能]送到？",
        "省市区[选错了|错选成{city}了]，[想|要]重新选一下。",
        "[刚下的单|订单]地址[选错了|用了旧地址]，[还来得及改吗|怎么改]？",
        "{product}别寄到{city}了，改寄到{city2}{street}吧。",
        # overlap
        "[快递|包裹]还在{city}，能[拦截|截住]改寄[吗|到新地址吗]？",
        "发票和包裹要寄到不同的地址，[能改吗|怎么填]？",
        "[登录|登陆]后地址簿里的地址[全没了|都不见了]，订单{order}的地址要改一下。",
    ],
}
# Background clauses any customer may start with, whatever they want: they carry no intent.
CONTEXTS = ["我是老客户了，", "{date}在直播间下的单，", "给家里老人买的{product}，", "订单号{order}，", "上次也遇到过类似的问题，",
            "我下单用的是{pay}，", "帮朋友问一下，", "{date}下的单，", "第一次在你们家买东西，"]
# A second, smaller request added after the main one ("另外，…"): real messages mix concerns, and the label
# stays the main request, so a bag of words sees the vocabulary of two intents.
SIDE_ASKS = {
    "退款": "退款多久到账？", "物流查询": "快递现在到哪了？", "取消订单": "另一个订单帮我取消。", "账户登录": "App老是登不上。",
    "发票": "发票记得开一下。", "投诉": "你们客服回复也太慢了。", "商品咨询": "{gadget}还有现货吗？", "修改地址": "以后的订单地址也改一下。",
}
COUNTS = {"退款": 62, "物流查询": 62, "取消订单": 52, "账户登录": 54, "发票": 50, "投诉": 56, "商品咨询": 60, "修改地址": 50}
CHANNELS = ["在线客服", "邮件", "App"]
GREETINGS = {
    "在线客服": ["在吗？", "亲，", "你好，", "客服你好，", "hi，", "在不在？", "麻烦问一下，"],
    "邮件": ["您好：", "客服您好，", "你好，", "尊敬的客服：", "您好，"],
    "App": ["你好，", "请问一下，", "客服，"],
}
SIGN_OFFS = {
    "在线客服": ["谢谢！", "急！！", "在线等，挺急的", "快点回复", "谢了"],
    "邮件": ["谢谢！", "盼复。", "麻烦尽快处理，谢谢。", "辛苦了。"],
    "App": ["谢谢", "麻烦尽快处理", "谢谢！"],
}
COMPLAINT_SIGN_OFFS = ["盼复。", "尽快给个答复！", "等你们回复", "必须给个说法！"]  # nobody thanks the shop they complain about
_HALF = str.maketrans({"，": ",", "。": ".", "？": "?", "！": "!", "：": ":", "；": ";"})


def fill(template: str, rng: random.Random, ctx: dict[str, str]) -> str:
    """Resolve ``[a|b]`` alternatives, then ``{slot}`` values (a slot used twice keeps its value)."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)

    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ctx:
            ctx[name] = SLOTS[name](rng, ctx)
        return ctx[name]

    return _SLOT.sub(slot, text)


def surface(text: str, label: str, channel: str, rng: random.Random) -> str:
    """Greetings, sign-offs and how people type: half-width punctuation, spaces for commas, full-width digits."""
    if rng.random() < (0.6 if channel == "邮件" else 0.3):
        text = rng.choice(GREETINGS[channel]) + text
    if rng.random() < (0.5 if channel == "邮件" else 0.25):
        sep = "" if text[-1] in "。！？!?" else "，"
        text = text + sep + rng.choice(COMPLAINT_SIGN_OFFS if label == "投诉" else SIGN_OFFS[channel])
    roll = rng.random()
    if roll < 0.18:  # the input method in English mode
        text = text.translate(_HALF)
    elif roll < 0.26 and channel == "在线客服":  # chat: spaces instead of commas, no full stop
        text = text.replace("，", " ").rstrip("。")
    elif roll < 0.30:  # full-width mode for digits and letters too
        text = "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)
    if rng.random() < 0.08:
        text = text.replace("？", "？？")
    return text


def _key(text: str) -> str:
    """What counts as the same message: full-/half-width folded, case and outer spaces ignored."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def build(rng: random.Random) -> list[dict[str, str]]:
    """The rows (text, label, channel), shuffled; no two texts equal after NFKC folding."""
    seen: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    for label, count in COUNTS.items():
        templates = TEMPLATES[label]
        made = attempts = 0
        while made < count:
            attempts += 1
            if attempts > count * 50:
                raise RuntimeError(f"too few distinct messages for {label}; add templates")
            template = templates[attempts % len(templates)]  # round robin: every template is used about equally
            channel = CHANNELS[made % len(CHANNELS)] if made < len(CHANNELS) else rng.choice(CHANNELS)
            ctx: dict[str, str] = {}
            text = fill(template, rng, ctx)
            if rng.random() < 0.3:
                text = fill(rng.choice(CONTEXTS), rng, ctx) + text
            if rng.random() < 0.15:
                side = rng.choice([k for k in SIDE_ASKS if k != label])
                text = text + ("" if text[-1] in "。！？" else "。") + "另外，" + fill(SIDE_ASKS[side], rng, ctx)
            text = surface(text, label, channel, rng)
            if _key(text) in seen:
                continue
            seen[_key(text)] = None
            rows.append({"text": text, "label": label, "channel": channel})
            made += 1
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """UTF-8 CSV (no BOM) with ``\\n`` line endings on every platform, so the bytes are reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "label", "channel"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the CSV into")
    out: Path = parser.parse_args(argv).out
    rows = build(random.Random(SEED))
    write_csv(out / FILE, rows)
    print(f"wrote {len(rows)} rows to {out / FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
